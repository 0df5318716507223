using System.Net;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Node;

/// <summary>A peer route present in the data path: the subnet, where its packets go and the
/// counters they are counted into.</summary>
public sealed record InstalledRoute(Ipv4Subnet Subnet, IPEndPoint Endpoint, PeerCounters Counters);
