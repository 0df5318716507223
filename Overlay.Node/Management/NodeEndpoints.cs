using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overlay.Actors.Node;
using Overlay.Hosting.Management;
using Overlay.Node.Agent;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Management;

/// <summary>The node's own routes: GET /lease (this node's lease) and GET /routes (the
/// forwarding table with per-peer counters and the drop counters by reason). They ask the node actor
/// of the current control-plane incarnation; while none is Up, /lease answers 503 with the reason
/// and /routes shows the data path's own table (what it forwards on) with that reason.</summary>
public static class NodeEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapNodeRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/lease", async (INodeControlPlane controlPlane) =>
        {
            var state = controlPlane.Current;
            if (state.Agent is not { } node)
                return Results.Json(new ErrorJson(state.Unavailable ?? "no control plane"), statusCode: StatusCodes.Status503ServiceUnavailable);
            var status = await StatusAsync(node);
            return status?.Lease is { } lease
                ? Results.Json(LeaseJson.From(lease))
                : Results.NotFound(new ErrorJson("this node holds no lease yet"));
        });
        app.MapGet("/routes", async (INodeControlPlane controlPlane, OverlayDataplane dataplane) =>
        {
            var state = controlPlane.Current;
            if (state.Agent is not { } node)
                return Results.Json(DataPathOnly(dataplane, state.Unavailable ?? "no control plane"));
            var status = await StatusAsync(node);
            if (status is null)
                return Results.Json(new ErrorJson("the node agent did not answer"), statusCode: StatusCodes.Status503ServiceUnavailable);
            var installed = dataplane.Peers().ToDictionary(e => e.Subnet);
            var peers = status.Peers.OrderBy(p => p.Lease.Subnet).Select(p => new PeerRouteJson(
                p.Lease.Subnet.ToString(), p.Lease.NodeName, $"{p.Lease.PublicIp}:{p.Lease.Port}",
                installed.ContainsKey(p.Lease.Subnet), p.Counters.TxPackets, p.Counters.TxBytes, p.Counters.RxPackets,
                p.Counters.RxBytes)).ToList();
            return Results.Json(new RoutesJson(status.Lease?.Subnet.ToString(), status.Network?.Network.ToString(),
                dataplane.Device?.Name, dataplane.Device?.Mtu, dataplane.IsRunning, peers, dataplane.Drops.Snapshot()));
        });
        return app;
    }

    /// <summary>/routes without a control plane: the data path's table as it forwards now (no lease
    /// holder names: those come from the registry view), and why the control plane is missing.</summary>
    private static RoutesJson DataPathOnly(OverlayDataplane dataplane, string reason) =>
        new(dataplane.ServedSubnet?.ToString(), null, dataplane.Device?.Name, dataplane.Device?.Mtu, dataplane.IsRunning,
            dataplane.Peers().Select(e => new PeerRouteJson(e.Subnet.ToString(), "", e.Endpoint.ToString(), true,
                e.Counters.TxPackets, e.Counters.TxBytes, e.Counters.RxPackets, e.Counters.RxBytes)).ToList(),
            dataplane.Drops.Snapshot(), reason);

    private static async Task<NodeStatus?> StatusAsync(IActorRef node)
    {
        try
        {
            return await node.Ask<NodeStatus>(GetNodeStatus.Instance, AskTimeout);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException)
        {
            return null;
        }
    }
}
