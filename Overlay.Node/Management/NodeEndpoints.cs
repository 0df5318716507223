using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Management;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Management;

/// <summary>The node's own routes: GET /lease (this node's lease) and GET /routes (the
/// forwarding table with per-peer counters and the drop counters by reason).</summary>
public static class NodeEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapNodeRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/lease", async (IRequiredActor<NodeActor> node) =>
        {
            var status = await StatusAsync(node);
            return status?.Lease is { } lease
                ? Results.Json(LeaseJson.From(lease))
                : Results.NotFound(new ErrorJson("this node holds no lease yet"));
        });
        app.MapGet("/routes", async (IRequiredActor<NodeActor> node, OverlayDataplane dataplane) =>
        {
            var status = await StatusAsync(node);
            if (status is null)
                return Results.Json(new ErrorJson("the node agent did not answer"), statusCode: StatusCodes.Status503ServiceUnavailable);
            var installed = dataplane.Peers().ToDictionary(e => e.Subnet);
            var peers = status.Peers.OrderBy(p => p.Lease.Subnet).Select(p => new PeerRouteJson(
                p.Lease.Subnet.ToString(), p.Lease.NodeName, $"{p.Lease.PublicIp}:{p.Lease.Port}",
                installed.ContainsKey(p.Lease.Subnet), p.Counters.TxPackets, p.Counters.TxBytes, p.Counters.RxPackets,
                p.Counters.RxBytes)).ToList();
            return Results.Json(new RoutesJson(status.Lease?.Subnet.ToString(), status.Network?.Network.ToString(),
                dataplane.Device?.Name, dataplane.Device?.Mtu, status.DataplaneRunning, peers, dataplane.Drops.Snapshot()));
        });
        return app;
    }

    private static async Task<NodeStatus?> StatusAsync(IRequiredActor<NodeActor> node)
    {
        try
        {
            return await (await node.ResolveAsync(AskTimeout)).Ask<NodeStatus>(GetNodeStatus.Instance, AskTimeout);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException)
        {
            return null;
        }
    }
}

/// <summary>GET /routes.</summary>
public sealed record RoutesJson(
    string? Local, string? Network, string? Device, int? Mtu, bool Running,
    IReadOnlyList<PeerRouteJson> Peers, IReadOnlyDictionary<string, long> Drops);

/// <summary>One peer route with its counters.</summary>
public sealed record PeerRouteJson(
    string Subnet, string NodeName, string Endpoint, bool Installed, long TxPackets, long TxBytes, long RxPackets, long RxBytes);
