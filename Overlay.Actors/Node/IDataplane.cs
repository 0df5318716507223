using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>
/// The seam between the node agent and the data path (TUN device, UDP socket, packet pumps). The
/// node actor calls it; overlay-node implements it over real or in-memory devices. Packets never
/// pass through an actor: the pumps read a forwarding table that these calls replace atomically.
/// Thread-safety: calls come from one actor at a time; implementations must let the pumps run
/// concurrently with them.
/// </summary>
public interface IDataplane
{
    /// <summary>
    /// Opens the device and socket for this node's <paramref name="local"/> lease in
    /// <paramref name="network"/>, writes subnet.env and starts the pumps. Calling it again with
    /// another subnet reconfigures; with the same subnet it does nothing, unless the subnet was
    /// withdrawn (<see cref="Withdraw"/>): then it is served again. Throws with a message
    /// that names the operation and its operands when the OS refuses.
    /// </summary>
    void Start(Lease local, NetworkConfig network);

    /// <summary>
    /// Stops serving the running subnet without stopping the data path, because this node may no
    /// longer hold it (<paramref name="reason"/> says why: the registry gave it to another node, or
    /// this process did not run for longer than the cluster needs to down it): the device loses its
    /// address (and with it the route), subnet.env is removed, the peer table and the pumps stay.
    /// <see cref="ServedSubnet"/> still names the subnet, so a fresh node actor asks for it again; a
    /// later <see cref="Start"/> with that subnet (the registry confirmed it) serves it again. No-op
    /// when not running or already withdrawn.
    /// </summary>
    void Withdraw(string reason)
    {
    }

    /// <summary>Stops the pumps and closes the device (its kernel route goes with it) and the socket.
    /// Safe to call when not started, and more than once.</summary>
    void Stop();

    /// <summary>Routes <paramref name="subnet"/> to <paramref name="endpoint"/>, counting into
    /// <paramref name="counters"/>; replaces any earlier route for that subnet.</summary>
    void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters);

    /// <summary>Removes the route for <paramref name="subnet"/>; no-op if there is none.</summary>
    void RemovePeer(Ipv4Subnet subnet);

    /// <summary>
    /// The subnet the running data path serves (its TUN address and subnet.env), or null when it is
    /// not running. It outlives the node actor: a node actor of a fresh control-plane incarnation
    /// finds the data path of the previous one still running and asks the registry for this subnet.
    /// </summary>
    Ipv4Subnet? ServedSubnet => null;

    /// <summary>
    /// The peer routes set and not removed, with the counters they count into. Routes are not removed
    /// when the actors that set them stop (a control-plane restart keeps forwarding on the last
    /// table); a fresh node actor adopts them (same counters, so an unchanged route is rewritten with
    /// an identical entry) and removes those its full lease view no longer has.
    /// </summary>
    IReadOnlyList<InstalledRoute> InstalledRoutes() => [];

    /// <summary>Raised, on a pump thread, when a pump or the device fails and the data path stopped.
    /// The node actor restarts it.</summary>
    event Action<Exception>? Faulted;
}
