using System.Globalization;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Granary.Storage.Http;

/// <summary>Turns route values and headers into checked values, or a <see cref="ProblemException"/> that says what is wrong.</summary>
internal static class RequestParsing
{
    public static StorageIndex Index(string text) =>
        StorageIndex.TryParse(text, out var index, out var error)
            ? index
            : throw new ProblemException(StatusCodes.Status400BadRequest, $"invalid storage index: {error}");

    public static int Share(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var share) && share <= StorageProtocol.MaxShareNumber && text == share.ToString(CultureInfo.InvariantCulture)
            ? share
            : throw new ProblemException(StatusCodes.Status400BadRequest, $"invalid share number '{Cap(text)}': share numbers are 0 to {StorageProtocol.MaxShareNumber}");

    /// <summary>The secrets in X-Granary-Authorization headers, by kind.</summary>
    public static Dictionary<string, byte[]> Secrets(HttpRequest request)
    {
        var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var header in request.Headers[StorageProtocol.SecretHeader])
        {
            foreach (var value in (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                byte[] bytes;
                try
                {
                    bytes = space > 0 ? Convert.FromBase64String(value[(space + 1)..]) : throw new FormatException();
                }
                catch (FormatException)
                {
                    throw new ProblemException(StatusCodes.Status400BadRequest, $"malformed {StorageProtocol.SecretHeader} value: expected 'KIND BASE64'");
                }

                if (bytes.Length != 32)
                {
                    throw new ProblemException(StatusCodes.Status400BadRequest, $"{value[..space]} must be 32 bytes");
                }

                secrets[value[..space]] = bytes;
            }
        }

        return secrets;
    }

    public static byte[] Secret(Dictionary<string, byte[]> secrets, string kind) =>
        secrets.TryGetValue(kind, out var secret)
            ? secret
            : throw new ProblemException(StatusCodes.Status401Unauthorized, $"this request needs a {kind} in {StorageProtocol.SecretHeader}");

    /// <summary>
    /// A write's <c>Content-Range: bytes FIRST-LAST/TOTAL-or-*</c>, as an offset and a length of at
    /// most <paramref name="maximumLength"/> bytes (413 beyond: a range of more than that could not
    /// even be counted without overflow, from 0 to <see cref="long.MaxValue"/>).
    /// </summary>
    public static (long Offset, long Length) ContentRange(HttpRequest request, long maximumLength)
    {
        var text = request.Headers.ContentRange.ToString();
        if (!ContentRangeHeaderValue.TryParse(text, out var range) || range.Unit != "bytes" || range.From is not long from || range.To is not long to || to < from)
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, "a write needs 'Content-Range: bytes FIRST-LAST/*'");
        }

        if (range.Length is long total && to >= total)
        {
            throw new ProblemException(StatusCodes.Status416RangeNotSatisfiable, $"the range {from}-{to} runs past the stated total {total}");
        }

        if (to - from >= maximumLength)
        {
            throw new ProblemException(StatusCodes.Status413PayloadTooLarge, $"one write carries at most {maximumLength} bytes; the range {from}-{to} is longer");
        }

        return (from, to - from + 1);
    }

    /// <summary>
    /// The tests of a raw mutable write, one <c>X-Granary-Test: OFFSET SIZE BASE64</c> header value
    /// each (specimen at most SIZE bytes, at most 8 tests).
    /// </summary>
    public static List<TestVector> Tests(HttpRequest request)
    {
        var tests = new List<TestVector>();
        foreach (var header in request.Headers[StorageProtocol.TestHeader])
        {
            foreach (var value in (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = value.Split(' ');
                byte[] specimen;
                try
                {
                    specimen = parts.Length is 2 or 3 ? Convert.FromBase64String(parts.Length == 3 ? parts[2] : "") : throw new FormatException();
                }
                catch (FormatException)
                {
                    throw new ProblemException(StatusCodes.Status400BadRequest, $"malformed {StorageProtocol.TestHeader}: expected 'OFFSET SIZE BASE64'");
                }

                if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                    || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || specimen.Length > size || tests.Count == 8)
                {
                    throw new ProblemException(StatusCodes.Status400BadRequest, $"{StorageProtocol.TestHeader} takes up to 8 tests of 'OFFSET SIZE BASE64', the specimen at most SIZE bytes");
                }

                tests.Add(new TestVector(offset, size, specimen));
            }
        }

        return tests;
    }

    private static string Cap(string text) => text.Length <= 20 ? text : text[..17] + "...";
}
