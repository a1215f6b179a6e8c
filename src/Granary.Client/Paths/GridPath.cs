using Granary.Core.Caps;

namespace Granary.Client.Paths;

/// <summary>
/// A place on the grid as a user writes it: <c>alias:path/to/child</c>, or a cap, optionally
/// followed by <c>/path</c> below a directory cap (<c>URI:DIR2:…/photos/a.jpg</c>), as Tahoe's CLI
/// accepts. <see cref="Segments"/> are the names below the root, never empty strings.
/// </summary>
public sealed record GridPath(Cap Root, IReadOnlyList<string> Segments, string Text)
{
    public bool IsRoot => Segments.Count == 0;

    /// <summary>The last name, or null at the root.</summary>
    public string? Name => Segments.Count == 0 ? null : Segments[^1];

    /// <summary>The path of the parent directory; the root has none.</summary>
    public GridPath Parent => IsRoot ? throw new InvalidOperationException($"{Text} is a root and has no parent.") : this with { Segments = [.. Segments.Take(Segments.Count - 1)] };

    public GridPath Child(string name) => this with { Segments = [.. Segments, name], Text = Text.TrimEnd('/') + "/" + name };

    /// <summary>Whether <paramref name="text"/> names a place on the grid (a cap, or a known alias followed by a colon) rather than a local file.</summary>
    public static bool IsGridPath(string text, AliasTable aliases)
    {
        if (text.StartsWith("URI:", StringComparison.Ordinal))
        {
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && aliases.Find(text[..colon]) is not null;
    }

    /// <summary>Parses a grid path; a <see cref="FormatException"/> says what is wrong (an unknown alias, a malformed cap).</summary>
    public static GridPath Parse(string text, AliasTable aliases)
    {
        if (text.StartsWith("URI:", StringComparison.Ordinal))
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var capText = slash < 0 ? text : text[..slash];
            if (!Cap.TryParse(capText, out var cap, out var error))
            {
                throw new FormatException(error);
            }

            var below = slash < 0 ? [] : Split(text[(slash + 1)..]);
            if (below.Count > 0 && cap is not DirectoryCap)
            {
                throw new FormatException($"{capText} is not a directory cap, so '/{string.Join('/', below)}' cannot follow it.");
            }

            return new GridPath(cap!, below, text);
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"'{text}' names no alias: write ALIAS:PATH (see 'granary alias list') or a cap.");
        }

        var name = text[..colon];
        var root = aliases.Find(name) ?? throw new FormatException($"there is no alias '{name}' (make one with 'granary alias create {name}', or see 'granary alias list').");
        return new GridPath(root, Split(text[(colon + 1)..]), text);
    }

    private static List<string> Split(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Any(s => s is "." or ".."))
        {
            throw new FormatException($"'{path}' has '.' or '..' in it; grid paths name children only.");
        }

        return segments;
    }
}
