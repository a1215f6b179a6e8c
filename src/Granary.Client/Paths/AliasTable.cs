using Granary.Core.Caps;
using Granary.Core.Files;

namespace Granary.Client.Paths;

/// <summary>
/// Names for directory caps, kept as Tahoe-LAFS keeps them: <c>private/aliases</c> in the client
/// directory, one <c>name: cap</c> per line, mode 0600 (a write cap is a secret). So
/// <c>granary:photos/2026</c> means the child <c>photos/2026</c> of the directory named <c>granary</c>.
/// </summary>
public sealed class AliasTable(string file)
{
    /// <summary>The alias a path without one means, as in Tahoe.</summary>
    public const string DefaultAlias = "tahoe";

    public string File { get; } = file;

    /// <summary>Every alias, in the file's order.</summary>
    public IReadOnlyList<(string Name, DirectoryCap Cap)> List()
    {
        if (!System.IO.File.Exists(File))
        {
            return [];
        }

        var aliases = new List<(string, DirectoryCap)>();
        foreach (var line in SecretFile.Read(File).Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#') || colon <= 0)
            {
                continue;
            }

            if (Cap.TryParse(line[(colon + 1)..].Trim(), out var cap, out _) && cap is DirectoryCap directory)
            {
                aliases.Add((line[..colon].Trim(), directory));
            }
        }

        return aliases;
    }

    public DirectoryCap? Find(string name) => List().FirstOrDefault(a => a.Name == name).Cap;

    /// <summary>Adds an alias; refuses a name already taken or one that cannot be written before a colon.</summary>
    public void Add(string name, DirectoryCap cap)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' cannot be an alias: use letters, digits, '-', '_' and '.' only.", nameof(name));
        }

        var aliases = List();
        if (aliases.Any(a => a.Name == name))
        {
            throw new InvalidOperationException($"The alias '{name}' already exists.");
        }

        SecretFile.Write(File, string.Concat(aliases.Append((name, cap)).Select(a => $"{a.Item1}: {a.Item2}\n")), overwrite: true);
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
