using Granary.Core.Identity;

namespace Granary.Dht.Security;

/// <summary>
/// Refuses a signed datagram or message seen before: its timestamp must lie within the window of
/// this node's clock, and its (sender, nonce) must not have come within the last two windows. The
/// memory is two sets that rotate each window, bounded in size; when full, new datagrams are refused
/// rather than old ones forgotten, so a flood cannot open the door to replays.
/// </summary>
internal sealed class ReplayGuard(TimeProvider time, TimeSpan window, int capacity = 500_000)
{
    private readonly Lock _lock = new();
    private HashSet<(NodeId, ulong)> _current = [];
    private HashSet<(NodeId, ulong)> _previous = [];
    private long _currentWindow;

    public bool Accept(NodeId sender, ulong nonce, long timestamp)
    {
        var now = time.GetUtcNow();
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > window.TotalSeconds)
        {
            return false;
        }

        var windowNumber = now.ToUnixTimeSeconds() / Math.Max(1, (long)window.TotalSeconds);
        lock (_lock)
        {
            if (windowNumber != _currentWindow)
            {
                (_previous, _current) = windowNumber == _currentWindow + 1 ? (_current, new HashSet<(NodeId, ulong)>()) : ([], []);
                _currentWindow = windowNumber;
            }

            var key = (sender, nonce);
            if (_previous.Contains(key) || _current.Count + _previous.Count >= capacity)
            {
                return false;
            }

            return _current.Add(key);
        }
    }
}
