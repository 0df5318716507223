using System.Net;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Node;

/// <summary>Who this node is, for lease requests.</summary>
/// <param name="NodeName">Node name (default: host name).</param>
/// <param name="PublicIp">Underlay address peers send to.</param>
/// <param name="Port">UDP port to advertise and bind; null follows the network config's Backend.Port
/// (the registry fills it into the lease).</param>
/// <param name="RequestedSubnet">The subnet from the old subnet.env, asked for first.</param>
public sealed record NodeIdentity(string NodeName, IPAddress PublicIp, int? Port, Ipv4Subnet? RequestedSubnet);
