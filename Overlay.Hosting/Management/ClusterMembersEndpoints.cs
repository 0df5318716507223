using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overlay.Hosting.Cluster;

namespace Overlay.Hosting.Management;

/// <summary>
/// The routes of Akka Management's cluster HTTP API, in its JSON shape:
/// GET /cluster/members, GET|PUT|DELETE /cluster/members/{address}. PUT and DELETE need the
/// management token when one is configured (<see cref="ManagementTokenFilter"/>). An address may be given as
/// "akka.tcp://overlay@host:port" or "akka.ssl.tcp://overlay@host:port" (URL-encoded or not, either
/// protocol), "overlay@host:port" or "host:port".
/// They follow the current <see cref="IControlPlane"/>; while there is none (a node's control plane
/// rejoining) they answer 503 with the reason.
/// </summary>
public static class ClusterMembersEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapClusterMembers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cluster/members", (IControlPlane controlPlane) =>
            WithCluster(controlPlane, cluster => Results.Json(MembersOf(cluster))));
        app.MapGet("/cluster/members/{**address}", (string address, IControlPlane controlPlane) => WithCluster(controlPlane, cluster =>
        {
            var member = Find(cluster, address);
            return member is null
                ? Results.NotFound(new ManagementMessage($"Member [{address}] not found"))
                : Results.Json(MemberOf(member));
        }));
        app.MapPut("/cluster/members/{**address}", async (string address, HttpRequest request, IControlPlane controlPlane) =>
        {
            string? operation = null;
            if (request.HasFormContentType)
                operation = (await request.ReadFormAsync()).TryGetValue("operation", out var v) ? v.ToString() : null;
            operation ??= request.Query["operation"].ToString();
            return WithCluster(controlPlane, cluster => Operate(cluster, address, operation));
        }).RequireManagementToken();
        app.MapDelete("/cluster/members/{**address}", (string address, IControlPlane controlPlane) =>
            WithCluster(controlPlane, cluster => Operate(cluster, address, "Leave"))).RequireManagementToken();
        return app;
    }

    private static IResult WithCluster(IControlPlane controlPlane, Func<Akka.Cluster.Cluster, IResult> answer)
    {
        var state = controlPlane.Current;
        return state.System is { } system
            ? answer(Akka.Cluster.Cluster.Get(system))
            : Results.Json(new ManagementMessage(state.Unavailable ?? "no control plane"),
                statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult Operate(Akka.Cluster.Cluster cluster, string address, string? operation)
    {
        if (string.IsNullOrWhiteSpace(operation))
            return Results.BadRequest(new ManagementMessage("missing form field 'operation' (Leave or Down)"));
        var member = Find(cluster, address);
        if (member is null)
            return Results.NotFound(new ManagementMessage($"Member [{address}] not found"));
        switch (operation.Trim().ToLowerInvariant())
        {
            case "leave":
                cluster.Leave(member.Address);
                return Results.Ok(new ManagementMessage($"Leaving {member.Address}"));
            case "down":
                cluster.Down(member.Address);
                return Results.Ok(new ManagementMessage($"Downing {member.Address}"));
            default:
                return Results.BadRequest(new ManagementMessage($"Unknown operation '{operation}' (expected Leave or Down)"));
        }
    }

    private static Member? Find(Akka.Cluster.Cluster cluster, string text)
    {
        var wanted = Uri.UnescapeDataString(text).Trim().TrimEnd('/');
        return cluster.State.Members.FirstOrDefault(m => Matches(m.Address, wanted));
    }

    private static bool Matches(Address address, string wanted)
    {
        var hostPort = $"{address.Host}:{address.Port}";
        // The protocol is not compared: akka.tcp:// and akka.ssl.tcp:// name the same member
        // (the cluster's TLS setting decides which one it really is).
        var scheme = wanted.IndexOf("://", StringComparison.Ordinal);
        var withoutProtocol = scheme < 0 ? wanted : wanted[(scheme + 3)..];
        return string.Equals($"{address.System}@{hostPort}", withoutProtocol, StringComparison.OrdinalIgnoreCase)
               || string.Equals(hostPort, withoutProtocol, StringComparison.OrdinalIgnoreCase);
    }

    private static ClusterMembersResponse MembersOf(Akka.Cluster.Cluster cluster)
    {
        var state = cluster.State;
        var oldest = state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
        var roles = state.Members.SelectMany(m => m.Roles).Distinct().OrderBy(r => r, StringComparer.Ordinal);
        return new ClusterMembersResponse(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            oldest?.Address.ToString(),
            roles.ToDictionary(r => r, r => state.Members.Where(m => m.HasRole(r) && m.Status is MemberStatus.Up or MemberStatus.Leaving)
                .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()?.Address.ToString()),
            state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(MemberOf).ToList(),
            state.Unreachable.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
                .Select(m => new UnreachableMember(m.Address.ToString())).ToList());
    }

    private static ClusterMemberResponse MemberOf(Member member) =>
        new(member.Address.ToString(), member.UniqueAddress.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            member.Status.ToString(), member.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList());
}

/// <summary>GET /cluster/members: Akka Management's ClusterMembers shape, except that an unreachable
/// member does not say who observed it (the cluster's public state does not tell).</summary>
public sealed record ClusterMembersResponse(
    string SelfNode,
    string? Leader,
    string? Oldest,
    IReadOnlyDictionary<string, string?> OldestPerRole,
    IReadOnlyList<ClusterMemberResponse> Members,
    IReadOnlyList<UnreachableMember> Unreachable);

/// <summary>One member: address, incarnation uid, status and roles.</summary>
public sealed record ClusterMemberResponse(string Node, string NodeUid, string Status, IReadOnlyList<string> Roles);

/// <summary>A member some other member cannot reach (failure detector).</summary>
public sealed record UnreachableMember(string Node);

/// <summary>A plain message reply, as Akka Management gives for operations and errors.</summary>
public sealed record ManagementMessage(string Message);
