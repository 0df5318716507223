using System.Net;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Leases;

/// <summary>
/// One host's claim on one subnet. Identity for re-acquisition is the node name or the public IP
/// (flannel's order); the registry never holds two live leases whose subnets overlap.
/// </summary>
/// <param name="Subnet">The leased subnet (SubnetLen long).</param>
/// <param name="NodeName">The holder's node name.</param>
/// <param name="PublicIp">The holder's underlay address: where peers send its traffic.</param>
/// <param name="Port">The holder's UDP port.</param>
/// <param name="ExpiresAt">When the registry expires it unless renewed (registry clock).</param>
/// <param name="Version">The registry version of the last change to this lease.</param>
/// <param name="MemberAddress">The holder's Akka cluster address, used to start the grace period
/// when the cluster removes that member; empty when unknown.</param>
public sealed record Lease(
    Ipv4Subnet Subnet,
    string NodeName,
    IPAddress PublicIp,
    int Port,
    DateTimeOffset ExpiresAt,
    long Version,
    string MemberAddress);
