using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Registry;

namespace Overlay.Hosting.Management;

/// <summary>
/// The registry's routes: GET /leases, GET /leases/{subnet}, DELETE /leases/{subnet} (evict; needs
/// the management token when one is configured).
/// A subnet is given as "10.244.1.0-24" (flannel's key form) or "10.244.1.0/24" (URL-encoded or
/// not). Malformed: 400 with the reason; no such lease: 404; registry unreachable: 503.
/// </summary>
public static class LeaseEndpoints
{
    /// <summary>How long a request waits for the registry (it may be failing over).</summary>
    public static readonly TimeSpan RegistryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapLeases(this IEndpointRouteBuilder app)
    {
        app.MapGet("/leases", async (IRequiredActor<LeaseRegistryActor> registry) =>
        {
            var snapshot = await ReadViewAsync(registry);
            return snapshot is null
                ? Unavailable()
                : Results.Json(new LeasesJson(snapshot.Version, NetworkJson.From(snapshot.Network),
                    snapshot.Leases.Select(LeaseJson.From).ToList()));
        });
        app.MapGet("/leases/{**subnet}", async (string subnet, IRequiredActor<LeaseRegistryActor> registry) =>
        {
            if (!TryParse(subnet, out var parsed, out var bad))
                return bad;
            var snapshot = await ReadViewAsync(registry);
            if (snapshot is null)
                return Unavailable();
            var lease = snapshot.Leases.FirstOrDefault(l => l.Subnet == parsed);
            return lease is null ? NotFound(parsed) : Results.Json(LeaseJson.From(lease));
        });
        app.MapDelete("/leases/{**subnet}", async (string subnet, IRequiredActor<LeaseRegistryActor> registry) =>
        {
            if (!TryParse(subnet, out var parsed, out var bad))
                return bad;
            var reply = await AskAsync<IOverlayMessage>(registry, new EvictLease(parsed));
            return reply switch
            {
                LeaseRemovalSucceeded ok => Results.Json(new { subnet = ok.Subnet.ToString(), version = ok.Version }),
                LeaseNotFound => NotFound(parsed),
                LeaseRequestRejected r => Results.Json(new ErrorJson(r.Reason), statusCode: StatusCodes.Status409Conflict),
                // Evictions are honoured from registry members only; a seed that is not (yet) one gets this.
                LeaseRefused r => Results.Json(new ErrorJson(r.Reason), statusCode: StatusCodes.Status403Forbidden),
                _ => Unavailable(),
            };
        }).RequireManagementToken();
        return app;
    }

    /// <summary>Parses a subnet from a route segment, or produces the 400 to return.</summary>
    public static bool TryParse(string text, out Ipv4Subnet subnet, out IResult badRequest)
    {
        var decoded = Uri.UnescapeDataString(text);
        badRequest = Results.Ok();
        if (Ipv4Subnet.TryParse(decoded, out subnet))
            return true;
        badRequest = Results.BadRequest(new ErrorJson(
            $"not a subnet: '{decoded}' (expected a canonical IPv4 CIDR such as 10.244.1.0/24 or 10.244.1.0-24)"));
        return false;
    }

    private static IResult NotFound(Ipv4Subnet subnet) => Results.NotFound(new ErrorJson($"no lease for {subnet}"));

    private static IResult Unavailable() => Results.Json(
        new ErrorJson($"the lease registry did not answer within {RegistryTimeout.TotalSeconds:0}s"),
        statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>The whole view, in pieces (see <see cref="RegistryViewReader"/>), or null when the registry does not answer.</summary>
    private static async Task<LeaseSnapshot?> ReadViewAsync(IRequiredActor<LeaseRegistryActor> registry)
    {
        try
        {
            var actor = await registry.ResolveAsync(RegistryTimeout);
            return await RegistryViewReader.ReadAsync(actor, RegistryTimeout);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException)
        {
            return null;
        }
    }

    private static async Task<T?> AskAsync<T>(IRequiredActor<LeaseRegistryActor> registry, object message) where T : class
    {
        try
        {
            var actor = await registry.ResolveAsync(RegistryTimeout);
            return await actor.Ask<T>(message, RegistryTimeout);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException)
        {
            return null;
        }
    }
}
