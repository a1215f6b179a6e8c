using System.Net;
using Granary.Core.Identity;

namespace Granary.Dht.Routing;

/// <summary>A node as another knows it: its id and the address it answers from.</summary>
public sealed record Contact(NodeId Id, IPEndPoint EndPoint)
{
    public override string ToString() => $"{Id.ToString()[..8]}@{EndPoint}";
}
