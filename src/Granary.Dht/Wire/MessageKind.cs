namespace Granary.Dht.Wire;

/// <summary>What a datagram is. Requests are odd; each one's response is the next number.</summary>
public enum MessageKind : byte
{
    Ping = 1,
    Pong = 2,
    FindNode = 3,
    Nodes = 4,
    FindValue = 5,
    Value = 6,
    Store = 7,
    Stored = 8,
    Direct = 9,
    DirectAck = 10,
    Relay = 11,
    RelayAck = 12,
}

internal static class MessageKinds
{
    public static bool IsKnown(MessageKind kind) => kind is >= MessageKind.Ping and <= MessageKind.RelayAck;

    public static bool IsRequest(MessageKind kind) => ((byte)kind & 1) == 1;
}
