using System.Buffers;
using System.Text;
using Granary.Hub.Data;

namespace Granary.Hub.Dataserv;

/// <summary>
/// The body of <c>/api/online/json</c> written straight from the farmer rows: byte for byte what
/// <see cref="PythonJson"/> makes of dataserv's <c>{"farmers": [{btc_addr, height, last_seen,
/// payout_addr}, …]}</c> (keys sorted, <c>indent=2</c> or compact), without building that model
/// and sorting every farmer's keys again (with caching off, the whole cost of the route).
/// </summary>
/// <remarks>
/// The body is ASCII (the strings' other characters are escaped), so it is written as bytes into a
/// pooled buffer and copied out once: a few hundred farmers make a 50 KB body, which as a string
/// and its builder would be two large-object-heap allocations per request, and with caching off
/// the collections those cause cost more than writing the list.
/// </remarks>
internal static class FarmerListJson
{
    /// <summary>The characters a JSON string carries unescaped: printable ASCII but the quote and the backslash.</summary>
    private static readonly SearchValues<char> PlainAscii = SearchValues.Create(
        [.. Enumerable.Range(' ', '\u007f' - ' ').Select(c => (char)c).Where(c => c is not ('"' or '\\'))]);

    public static byte[] Render(IReadOnlyList<Farmer> farmers, long nowMicros, bool compact)
    {
        if (farmers.Count == 0)
        {
            return compact ? "{\"farmers\": []}"u8.ToArray() : "{\n  \"farmers\": []\n}"u8.ToArray();
        }

        // Farmer lines at depth 2, their fields at depth 3.
        var body = new AsciiBody(farmers.Count * (compact ? 130 : 170));
        try
        {
            body.Append(compact ? "{\"farmers\": ["u8 : "{\n  \"farmers\": ["u8);
            for (var i = 0; i < farmers.Count; i++)
            {
                var farmer = farmers[i];
                if (i > 0)
                {
                    body.Append(compact ? ", "u8 : ","u8);
                }

                body.Append(compact ? "{\"btc_addr\": "u8 : "\n    {\n      \"btc_addr\": "u8);
                body.AppendString(farmer.BtcAddr);
                body.Append(compact ? ", \"height\": "u8 : ",\n      \"height\": "u8);
                body.Append(farmer.Height);
                body.Append(compact ? ", \"last_seen\": "u8 : ",\n      \"last_seen\": "u8);
                body.Append(HubClock.SecondsWithinDay(nowMicros, farmer.LastSeenMicros));
                body.Append(compact ? ", \"payout_addr\": "u8 : ",\n      \"payout_addr\": "u8);
                body.AppendString(farmer.PayoutAddr);
                body.Append(compact ? "}"u8 : "\n    }"u8);
            }

            body.Append(compact ? "]}"u8 : "\n  ]\n}"u8);
            return body.ToArray();
        }
        finally
        {
            body.Return();
        }
    }

    /// <summary>ASCII bytes in a buffer rented from the shared pool, which grows by renting a bigger one.</summary>
    private sealed class AsciiBody(int capacity)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        private int _length;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Reserve(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        public void Append(long value)
        {
            Reserve(20);
            value.TryFormat(_buffer.AsSpan(_length), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            _length += written;
        }

        /// <summary>A JSON string as <see cref="PythonJson.AppendString"/> writes it; plain printable ASCII is copied as is.</summary>
        public void AppendString(string value)
        {
            if (value.AsSpan().ContainsAnyExcept(PlainAscii))
            {
                var escaped = new StringBuilder(value.Length + 16);
                PythonJson.AppendString(escaped, value);
                AppendAscii(escaped.ToString());
                return;
            }

            Reserve(value.Length + 2);
            _buffer[_length++] = (byte)'"';
            AppendAscii(value);
            _buffer[_length++] = (byte)'"';
        }

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        public void Return() => ArrayPool<byte>.Shared.Return(_buffer);

        private void AppendAscii(string ascii)
        {
            Reserve(ascii.Length);
            _length += Encoding.ASCII.GetBytes(ascii, _buffer.AsSpan(_length));
        }

        private void Reserve(int bytes)
        {
            if (_length + bytes <= _buffer.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
