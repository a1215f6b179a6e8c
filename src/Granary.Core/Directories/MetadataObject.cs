using System.Collections;
using System.Collections.ObjectModel;
using System.Numerics;

namespace Granary.Core.Directories;

/// <summary>
/// A directory entry's metadata: a JSON object whose keys keep their insertion order, as a Python
/// dict does, because the order is part of the bytes others read. Immutable: every change makes a
/// new object, so an entry read from a directory can be re-packed byte for byte until it is changed.
/// Values are <c>null</c>, <see cref="bool"/>, <see cref="long"/> or <see cref="BigInteger"/>
/// (JSON integers), <see cref="double"/> (JSON floats), <see cref="string"/>, nested
/// <see cref="MetadataObject"/>s and read-only lists of such values. Other integer and float types
/// given to the constructor are widened to these.
/// </summary>
public sealed class MetadataObject : IEnumerable<KeyValuePair<string, object?>>, IEquatable<MetadataObject>
{
    private readonly KeyValuePair<string, object?>[] _entries;

    public MetadataObject(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = new List<KeyValuePair<string, object?>>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            ArgumentNullException.ThrowIfNull(key);
            var entry = new KeyValuePair<string, object?>(key, Normalize(value));
            if (positions.TryGetValue(key, out var index))
            {
                // A repeated key keeps its first position and takes the last value, as a Python dict does.
                list[index] = entry;
            }
            else
            {
                positions[key] = list.Count;
                list.Add(entry);
            }
        }

        _entries = [.. list];
    }

    private MetadataObject(KeyValuePair<string, object?>[] entries) => _entries = entries;

    public static MetadataObject Empty { get; } = new([]);

    public int Count => _entries.Length;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <summary>The value of <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> when absent.</summary>
    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No metadata key '{key}'.");

    public static MetadataObject Of(params (string Key, object? Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, object?>(e.Key, e.Value)));

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, out object? value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _entries[index].Value : null;
        return index >= 0;
    }

    /// <summary>A copy with <paramref name="key"/> set: in place if present (a Python dict keeps the position), else appended.</summary>
    public MetadataObject With(string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var index = IndexOf(key);
        var entries = index >= 0 ? (KeyValuePair<string, object?>[])_entries.Clone() : [.. _entries, default];
        entries[index >= 0 ? index : entries.Length - 1] = new(key, Normalize(value));
        return new MetadataObject(entries);
    }

    /// <summary>A copy without <paramref name="key"/>.</summary>
    public MetadataObject Without(string key)
    {
        var index = IndexOf(key);
        return index < 0 ? this : new MetadataObject([.. _entries[..index], .. _entries[(index + 1)..]]);
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Equal when they serialise to the same JSON: same keys in the same order, same values.</summary>
    public bool Equals(MetadataObject? other) => other is not null && MetadataJson.Serialize(this) == MetadataJson.Serialize(other);

    public override bool Equals(object? obj) => Equals(obj as MetadataObject);

    public override int GetHashCode() => MetadataJson.Serialize(this).GetHashCode(StringComparison.Ordinal);

    /// <summary>The JSON Tahoe would store: Python's <c>json.dumps</c> of the same dict.</summary>
    public override string ToString() => MetadataJson.Serialize(this);

    private int IndexOf(string key)
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static object? Normalize(object? value) => value switch
    {
        null or bool or long or BigInteger or double or string or MetadataObject => value,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : new BigInteger(u),
        float f => (double)f,
        decimal d => (double)d,
        ReadOnlyCollection<object?> frozen => frozen,
        IEnumerable<KeyValuePair<string, object?>> map => new MetadataObject(map),
        IEnumerable list and not string => new ReadOnlyCollection<object?>([.. list.Cast<object?>().Select(Normalize)]),
        _ => throw new ArgumentException($"A {value.GetType().Name} is not a JSON value.", nameof(value)),
    };
}
