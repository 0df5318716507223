using Overlay.Testing;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Node.Agent;
using Overlay.Node.Dataplane;
using Overlay.Node.Management;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Tests;

/// <summary>overlay-node's management routes while no control-plane incarnation is Up: the cluster
/// and lease routes answer 503 with the reason, /routes shows the data path's own table, and
/// readiness says the control plane is rejoining while the data path runs.</summary>
public sealed class RejoiningEndpointsTests
{
    private const string Reason = "control plane rejoining (incarnation 2, since 2026-12-05 11:40:59Z)";

    [Fact]
    public async Task Without_an_incarnation_the_routes_come_from_the_data_path_and_the_rest_answers_503_with_the_reason()
    {
        var network = new ChannelUdpNetwork();
        using var dataplane = new OverlayDataplane(
            new DataplaneOptions
            {
                TunName = "ovl-rejoin",
                UnderlayMtu = 1500,
                BindAddress = IPAddress.Parse("192.0.2.31"),
                SubnetFilePath = Path.Combine(Path.GetTempPath(), $"overlay-rejoin-{Guid.NewGuid():N}", "subnet.env"),
            },
            (name, mtu, _) => new ChannelTunDevice(name, mtu), network.Bind, NoLinkConfigurator.Instance);
        var mine = Ipv4Subnet.Parse("10.244.3.0/24");
        dataplane.Start(new Lease(mine, "me", IPAddress.Parse("192.0.2.31"), 8285, DateTimeOffset.UtcNow.AddHours(1), 1, ""),
            NetworkConfigParser.Default);
        dataplane.SetPeer(Ipv4Subnet.Parse("10.244.4.0/24"), IPEndPoint.Parse("192.0.2.32:8285"), new PeerCounters());

        var builder = ManagementHost.CreateBuilder(new ManagementSettings("127.0.0.1", 0), new LogSettings(LogFormat.Text, LogLevel.Warning));
        var controlPlane = new RejoiningControlPlane();
        builder.Services.AddSingleton(dataplane);
        builder.Services.AddSingleton<INodeControlPlane>(controlPlane);
        builder.Services.AddSingleton<IControlPlane>(controlPlane);
        builder.Services.AddSingleton<LeaseProblemBoard>();
        builder.Services.AddHealthChecks()
            .AddCheck<NodeReadiness>("overlay.node.dataplane", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<ControlPlaneReadiness>("overlay.node.control-plane", tags: [HealthEndpoints.ReadyTag]);
        await using var app = builder.Build();
        app.MapOverlayHealth("overlay-node");
        app.MapClusterMembers();
        app.MapNodeRoutes();
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };

            var routes = await http.GetAsync("/routes");
            Assert.Equal(HttpStatusCode.OK, routes.StatusCode);
            using (var json = JsonDocument.Parse(await routes.Content.ReadAsStringAsync()))
            {
                Assert.Equal("10.244.3.0/24", json.RootElement.GetProperty("local").GetString());
                Assert.True(json.RootElement.GetProperty("running").GetBoolean());
                Assert.Equal(Reason, json.RootElement.GetProperty("controlPlane").GetString());
                var peer = Assert.Single(json.RootElement.GetProperty("peers").EnumerateArray());
                Assert.Equal("10.244.4.0/24", peer.GetProperty("subnet").GetString());
                Assert.Equal("192.0.2.32:8285", peer.GetProperty("endpoint").GetString());
            }

            foreach (var path in new[] { "/lease", "/cluster/members", "/cluster/members/127.0.0.1:4054" })
            {
                var answer = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                Assert.Contains(Reason, await answer.Content.ReadAsStringAsync());
            }

            // This process never held a complete lease view (no incarnation ever answered), so it is
            // not ready, and says why: the control plane rejoins while the data path forwards. (A
            // node that held a complete view before is Degraded instead: NodeReadiness.)
            var ready = await http.GetAsync("/health/ready");
            var text = await ready.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("overlay.node.control-plane: Degraded - " + Reason, text);
            Assert.Contains("overlay.node.dataplane: Unhealthy - " + Reason, text);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private sealed class RejoiningControlPlane : INodeControlPlane
    {
        public ControlPlaneState Current => ControlPlaneState.Down(Reason);
        public int Incarnation => 2;
        public long Restarts => 1;
        public bool IsUp => false;
        public DateTimeOffset Since => DateTimeOffset.Parse("2026-12-05T11:40:59Z", System.Globalization.CultureInfo.InvariantCulture);
    }
}
