using System.Globalization;
using System.Text;
using Granary.Core.Directories;

namespace Granary.Core.Tests.Directories;

public class UnicodeNormalizationTests
{
    [Fact]
    public void Every_recorded_Python_NFC_result_is_reproduced()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "unicode-nfc.txt")).Where(l => !l.StartsWith('#')).ToList();
        Assert.True(lines.Count > 6000);
        var failures = new List<string>();
        foreach (var line in lines)
        {
            var parts = line.Split(';');
            var input = Text(parts[0]);
            var expected = Text(parts[1]);
            var actual = UnicodeNormalization.ToNfc(input);
            if (actual != expected)
            {
                failures.Add($"{parts[0]} → {Codes(actual)}, Python {parts[1]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void The_sample_directory_name_composes()
    {
        Assert.Equal("\u00fcn\u00efc\u00f6d\u00e9", UnicodeNormalization.ToNfc("u\u0308ni\u0308co\u0308de\u0301"));
        Assert.Equal("\uAC01", UnicodeNormalization.ToNfc("\u1100\u1161\u11A8"));
        Assert.Equal("\u1E69", UnicodeNormalization.ToNfc("s\u0323\u0307"));
        Assert.Equal("\u1E69", UnicodeNormalization.ToNfc("s\u0307\u0323"));
    }

    [Fact]
    public void Text_that_is_already_NFC_comes_back_as_the_same_string()
    {
        const string ascii = "plain-name.txt";
        Assert.Same(ascii, UnicodeNormalization.ToNfc(ascii));
        var composed = "\u00e9t\u00e9 \U0001F600";
        Assert.Same(composed, UnicodeNormalization.ToNfc(composed));
    }

    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        Assert.Throws<ArgumentException>(() => UnicodeNormalization.ToNfc("a\u0301\ud800"));
    }

    [Fact]
    public void Invariant_globalization_really_does_not_normalise_which_is_why_this_exists()
    {
        // If this starts failing, the platform normaliser works again; ours must still agree with it.
        var platform = "e\u0301".Normalize(NormalizationForm.FormC);
        Assert.True(platform == "e\u0301" || platform == "\u00e9");
        Assert.Equal("\u00e9", UnicodeNormalization.ToNfc("e\u0301"));
    }

    private static string Text(string hex)
    {
        var text = new StringBuilder();
        foreach (var code in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            text.Append(char.ConvertFromUtf32(int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        return text.ToString();
    }

    private static string Codes(string text) => string.Join(' ', text.EnumerateRunes().Select(r => r.Value.ToString("X", CultureInfo.InvariantCulture)));
}
