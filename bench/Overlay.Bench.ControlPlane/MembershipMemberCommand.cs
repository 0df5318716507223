using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cluster;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// One process of the membership bench (internal command <c>membership-member</c>, started by
/// <see cref="MembershipBench"/>): <c>count</c> real cluster members (ActorSystems wired with
/// <see cref="OverlayAkkaHosting.WithOverlayCluster"/>, role node, each on its own port of
/// 127.0.0.1) that join the seed. Prints "up" once every one of them is Up, then waits for "quit"
/// (or end of input) and leaves.
/// </summary>
public static class MembershipMemberCommand
{
    /// <summary>Runs the members until "quit".</summary>
    public static async Task<JsonObject> RunAsync(string seed, int count, TextWriter output)
    {
        var hosts = new List<IHost>();
        try
        {
            // Started one after another: joining all at once only queues them at the seed.
            for (var i = 0; i < count; i++)
                hosts.Add(await StartAsync(seed, [ClusterRoles.Node]));
            output.WriteLine("up");
            output.Flush();
            while (await Console.In.ReadLineAsync() is { } line && line != "quit")
            {
                output.WriteLine($"err unknown command '{line}'");
                output.Flush();
            }
        }
        finally
        {
            await Task.WhenAll(hosts.Select(async h =>
            {
                await h.StopAsync(TimeSpan.FromSeconds(30));
                h.Dispose();
            }));
        }
        return new JsonObject { ["members"] = count };
    }

    /// <summary>Starts one member on a free port of 127.0.0.1 and joins <paramref name="join"/> (null:
    /// itself); returns once it is Up.</summary>
    public static async Task<IHost> StartAsync(string? join, string[] roles)
    {
        var cluster = new ClusterSettings("127.0.0.1", 0, [], roles, BindHost: "127.0.0.1");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) => akka.WithOverlayCluster(cluster));
        var app = builder.Build();
        await app.StartAsync();
        var self = Akka.Cluster.Cluster.Get(app.Services.GetRequiredService<ActorSystem>());
        await self.JoinAsync(join is not null ? Address.Parse(join) : self.SelfAddress).WaitAsync(BenchConstants.FormTimeout);
        return app;
    }
}
