using System.Text.Json;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Management.Client;
using Overlay.Node.Cli;
using Overlay.Node.Management;

namespace Overlay.Node.Tests;

/// <summary>The text forms of `overlay-node show peers|lease`, check-config and the shared table
/// writer, from fixed JSON read into the server's records (the end-to-end tests run them against a real node).</summary>
public sealed class InspectionOutputTests
{
    /// <summary>Reads a body as the CLI does: into the record the server serializes.</summary>
    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, ManagementClient.JsonOptions)!;

    [Fact]
    public void A_table_aligns_columns_two_spaces_apart_without_trailing_spaces()
    {
        var text = new TextTable("A", "LONGER", "C").Add("xxxx", "y").Add("", "zz", "w").ToString();
        Assert.Equal("A     LONGER  C\nxxxx  y\n      zz      w\n", text);
        Assert.Throws<ArgumentException>(() => new TextTable("A").Add("1", "2"));
    }

    [Fact]
    public void Show_peers_prints_one_row_per_peer_with_human_bytes_and_only_non_zero_drops()
    {
        var routes = Read<RoutesJson>("""
            {"local":"10.244.2.0/24","network":"10.244.0.0/16","device":"overlay0","mtu":1472,"running":true,
             "peers":[{"subnet":"10.244.1.0/24","nodeName":"h2","endpoint":"192.0.2.12:8285","installed":true,
                       "txPackets":3,"txBytes":252,"rxPackets":70000,"rxBytes":104857600},
                      {"subnet":"10.244.10.0/24","nodeName":"h10","endpoint":"192.0.2.20:8285","installed":false,
                       "txPackets":0,"txBytes":0,"rxPackets":0,"rxBytes":1536}],
             "drops":{"not_ipv4":0,"no_route":4,"spoofed_source":1}}
            """);
        Assert.Equal("""
            PEER-SUBNET     NODE  ENDPOINT         INSTALLED  TX-PACKETS  TX-BYTES  RX-PACKETS  RX-BYTES
            10.244.1.0/24   h2    192.0.2.12:8285  yes        3           252 B     70000       100.00 MiB
            10.244.10.0/24  h10   192.0.2.20:8285  no         0           0 B       0           1.50 KiB
            local 10.244.2.0/24 in 10.244.0.0/16, device overlay0 mtu 1472, data path running
            drops: no_route=4 spoofed_source=1

            """.Replace("\r", ""), NodeCommands.PeersTable(routes));
    }

    [Fact]
    public void Show_peers_without_a_lease_says_so()
    {
        var routes = Read<RoutesJson>("""{"local":null,"network":null,"device":null,"mtu":null,"running":false,"peers":[],"drops":{}}""");
        Assert.Equal("PEER-SUBNET  NODE  ENDPOINT  INSTALLED  TX-PACKETS  TX-BYTES  RX-PACKETS  RX-BYTES\n"
                     + "local (no lease) in , device (none), data path stopped\ndrops: none\n", NodeCommands.PeersTable(routes));
    }

    [Fact]
    public void Show_lease_prints_key_value_lines_with_the_expiry_in_utc()
    {
        var lease = Read<LeaseJson>("""
            {"subnet":"10.244.2.0/24","nodeName":"h1","publicIp":"192.0.2.11","port":8285,
             "expiresAt":"2020-01-02T03:04:05+01:00","version":8,"memberAddress":"akka.tcp://overlay@192.0.2.11:4054"}
            """);
        Assert.Equal("""
            subnet:          10.244.2.0/24
            node:            h1
            public endpoint: 192.0.2.11:8285
            expires:         2020-01-02 02:04:05Z (expired)
            version:         8
            member:          akka.tcp://overlay@192.0.2.11:4054

            """.Replace("\r", ""), NodeCommands.LeaseTable(lease));
    }

    [Fact]
    public void Effective_settings_print_aligned_and_as_json_with_flag_spelled_durations()
    {
        var settings = new EffectiveSettings().Add("lease-ttl", TimeSpan.FromHours(24)).Add("ip-masq", true)
            .Add("resync", TimeSpan.FromMilliseconds(1500)).Add("requested-subnet", null);
        Assert.Equal("lease-ttl         24h\nip-masq           on\nresync            1500ms\nrequested-subnet  (none)\n", settings.ToTable());
        Assert.Equal("lease-ttl=24h, ip-masq=on, resync=1500ms, requested-subnet=(none)", settings.ToLogLine());
        Assert.Equal("24h", JsonDocument.Parse(settings.ToJson()).RootElement.GetProperty("lease-ttl").GetString());
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.50 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.00 GiB")]
    public void Bytes_are_printed_in_binary_units(long bytes, string expected) =>
        Assert.Equal(expected, NodeCommands.HumanBytes(bytes));
}
