using System.CommandLine;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Tests;

/// <summary>The data path's flags: --offload on|off, --tun-queues N, --pump-scheduling batch|normal|receive-normal|adaptive, --mtu and their OVERLAY_* mirrors.</summary>
public class DataPathFlagTests
{
    private static NodeSettings Bind(string flags, string? env = null, string envName = "OVERLAY_OFFLOAD")
    {
        var options = new NodeOptions();
        var command = new RootCommand();
        options.AddTo(command);
        var result = command.Parse($"--seeds akka.tcp://overlay@192.0.2.10:4053 --insecure-cluster {flags}");
        return options.Bind(result, new FixedUnderlayProbe("192.0.2.1"), name => name == envName ? env : null);
    }

    [Fact]
    public void Offload_is_on_by_default_and_follows_the_flag_then_the_environment()
    {
        Assert.True(Bind("").Offload);
        Assert.False(Bind("--offload off").Offload);
        Assert.True(Bind("--offload on").Offload);
        Assert.False(Bind("", env: "off").Offload);
        Assert.True(Bind("--offload on", env: "off").Offload);
    }

    [Fact]
    public void Offload_rejects_other_values_naming_the_flag()
    {
        var e = Assert.Throws<SettingsException>(() => Bind("--offload maybe"));
        Assert.Contains("--offload", e.Message);
        Assert.Contains("maybe", e.Message);
    }

    [Fact]
    public void Tun_queues_is_one_by_default_and_follows_the_flag_then_the_environment()
    {
        Assert.Equal(1, Bind("").TunQueues);
        Assert.Equal(4, Bind("--tun-queues 4").TunQueues);
        Assert.Equal(2, Bind("", env: "2", envName: "OVERLAY_TUN_QUEUES").TunQueues);
        Assert.Equal(3, Bind("--tun-queues 3", env: "2", envName: "OVERLAY_TUN_QUEUES").TunQueues);
        Assert.Contains("tun-queues=4", Bind("--tun-queues 4").Describe().ToLogLine());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("two")]
    [InlineData("-1")]
    public void Tun_queues_rejects_values_outside_one_to_sixteen_naming_the_flag_and_value(string value)
    {
        var e = Assert.Throws<SettingsException>(() => Bind($"--tun-queues {value}"));
        Assert.Equal($"--tun-queues: not a whole number from 1 to 16: '{value}'", e.Message);
    }

    [Fact]
    public void A_bad_tun_queues_in_the_environment_names_the_variable()
    {
        var e = Assert.Throws<SettingsException>(() => Bind("", env: "0", envName: "OVERLAY_TUN_QUEUES"));
        Assert.Equal("OVERLAY_TUN_QUEUES: not a whole number from 1 to 16: '0'", e.Message);
    }

    [Fact]
    public void Pump_scheduling_is_receive_normal_by_default_and_follows_the_flag_then_the_environment()
    {
        Assert.Equal(PumpScheduling.Adaptive, Bind("").PumpScheduling);
        Assert.Equal(PumpScheduling.Normal, Bind("--pump-scheduling normal").PumpScheduling);
        Assert.Equal(PumpScheduling.Batch, Bind("--pump-scheduling batch").PumpScheduling);
        Assert.Equal(PumpScheduling.ReceiveNormal, Bind("--pump-scheduling receive-normal").PumpScheduling);
        Assert.Equal(PumpScheduling.Adaptive, Bind("--pump-scheduling adaptive").PumpScheduling);
        Assert.Equal(PumpScheduling.Normal, Bind("", env: "normal", envName: "OVERLAY_PUMP_SCHEDULING").PumpScheduling);
        Assert.Equal(PumpScheduling.Batch, Bind("--pump-scheduling batch", env: "normal", envName: "OVERLAY_PUMP_SCHEDULING").PumpScheduling);
        Assert.Contains("pump-scheduling=adaptive", Bind("").Describe().ToLogLine());
    }

    [Fact]
    public void Pump_scheduling_rejects_other_values_naming_the_flag_and_the_value()
    {
        var e = Assert.Throws<SettingsException>(() => Bind("--pump-scheduling fifo"));
        Assert.Contains("--pump-scheduling", e.Message);
        Assert.Contains("fifo", e.Message);
    }

    // The probe's underlay (eth0) has MTU 1500, so the computed TUN MTU is 1472.
    [Fact]
    public void Mtu_is_the_underlay_mtu_minus_28_by_default_and_follows_the_flag_then_the_environment()
    {
        Assert.Null(Bind("").TunMtu);
        Assert.Contains("mtu=1472 (underlay MTU - 28)", Bind("").Describe().ToLogLine());
        Assert.Equal(1400, Bind("--mtu 1400").TunMtu);
        Assert.Equal(1472, Bind("--mtu 1472").TunMtu);
        Assert.Equal(576, Bind("", env: "576", envName: "OVERLAY_MTU").TunMtu);
        Assert.Equal(1450, Bind("--mtu 1450", env: "1400", envName: "OVERLAY_MTU").TunMtu);
        Assert.Contains("mtu=1450", Bind("--mtu 1450").Describe().ToLogLine());
    }

    [Fact]
    public void An_mtu_above_the_computed_one_is_refused_naming_the_flag_and_both_values()
    {
        var e = Assert.Throws<SettingsException>(() => Bind("--mtu 1473"));
        Assert.Equal("--mtu: 1473 is above the MTU the underlay allows, 1472 (eth0 MTU 1500 - 28 for the outer IPv4 and UDP headers)", e.Message);
        var fromEnvironment = Assert.Throws<SettingsException>(() => Bind("", env: "9000", envName: "OVERLAY_MTU"));
        Assert.StartsWith("OVERLAY_MTU: 9000 is above the MTU the underlay allows, 1472 ", fromEnvironment.Message);
    }

    [Theory]
    [InlineData("575")]
    [InlineData("0")]
    [InlineData("big")]
    [InlineData("-1")]
    public void An_mtu_below_576_or_not_a_number_is_refused_naming_the_flag_and_the_value(string value)
    {
        var e = Assert.Throws<SettingsException>(() => Bind($"--mtu={value}"));
        Assert.Equal($"--mtu: not a whole number from 576 to 1472: '{value}'", e.Message);
    }
}
