using Overlay.Testing;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Tests;

/// <summary>The pump threads' scheduling policy: SCHED_BATCH or SCHED_OTHER for all pumps, or per direction,
/// as the kernel reports it for each pump thread (/proc/thread-self/stat). The flag is in
/// <see cref="DataPathFlagTests"/>.</summary>
public class PumpSchedulingTests
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(PumpScheduling.Batch, SchedBatch)]
    [InlineData(PumpScheduling.Normal, SchedOther)]
    public void Applying_a_policy_sets_it_on_the_calling_thread_only(PumpScheduling scheduling, int expected)
    {
        int? seen = null;
        string? refused = "not run";
        var thread = new Thread(() =>
        {
            PumpSchedulingPolicy.ApplyToCurrentThread(PumpScheduling.Batch);
            refused = PumpSchedulingPolicy.ApplyToCurrentThread(scheduling);
            seen = NativeThreads.CurrentThreadPolicy();
        });
        thread.Start();
        Assert.True(thread.Join(Wait));
        Assert.Null(refused);
        Assert.Equal(expected, seen);
        Assert.Equal(SchedOther, NativeThreads.CurrentThreadPolicy()); // this thread kept its own
    }

    [Theory]
    [InlineData(PumpScheduling.Batch, SchedBatch)]
    [InlineData(PumpScheduling.Normal, SchedOther)]
    public void Every_pump_thread_of_a_session_runs_with_the_sessions_policy(PumpScheduling scheduling, int expected)
    {
        var policies = PoliciesOfPumps(scheduling);
        Assert.Equal(2, policies.Count);
        Assert.All(policies.Values, policy => Assert.Equal(expected, policy));
    }

    [Theory]
    [InlineData(PumpScheduling.ReceiveNormal, SchedBatch, SchedOther)]
    public void A_per_direction_policy_sets_each_pump_by_its_direction(PumpScheduling scheduling, int sending, int receiving)
    {
        var policies = PoliciesOfPumps(scheduling);
        Assert.Equal(sending, policies["overlay-tun-to-udp"]);
        Assert.Equal(receiving, policies["overlay-udp-to-tun"]);
    }

    /// <summary>Runs a session of one queue with <paramref name="scheduling"/> whose two pumps record their
    /// thread's policy (by thread name) and then block until the session closes the device.</summary>
    private static IReadOnlyDictionary<string, int> PoliciesOfPumps(PumpScheduling scheduling)
    {
        var tun = new ChannelTunDevice("ovltest0", 1472);
        var udp = new ChannelUdpNetwork().Bind(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 8285));
        var policies = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        Action pump = () =>
        {
            policies[Thread.CurrentThread.Name!] = NativeThreads.CurrentThreadPolicy();
            while (tun.Read(new byte[2048], out _) > 0)
            {
            }
        };
        var session = new DataplaneSession(Ipv4Subnet.Parse("10.244.1.0/24"),
            NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16"}"""), [tun], [udp], [(pump, pump)], _ => { }, scheduling);
        session.Start();
        var deadline = DateTime.UtcNow + Wait;
        while (policies.Count < 2 && DateTime.UtcNow < deadline)
            Thread.Yield();
        Assert.True(session.Stop());
        return policies;
    }

    [Fact]
    public void A_per_direction_policy_resolves_to_one_thread_policy_per_pump()
    {
        Assert.Equal(PumpScheduling.Batch, PumpSchedulingPolicy.ForPump(PumpScheduling.ReceiveNormal, sending: true));
        Assert.Equal(PumpScheduling.Normal, PumpSchedulingPolicy.ForPump(PumpScheduling.ReceiveNormal, sending: false));
        Assert.Equal(PumpScheduling.Batch, PumpSchedulingPolicy.ForPump(PumpScheduling.Adaptive, sending: true));
        Assert.Equal(PumpScheduling.Batch, PumpSchedulingPolicy.ForPump(PumpScheduling.Adaptive, sending: false));
        Assert.Equal(PumpScheduling.Batch, PumpSchedulingPolicy.ForPump(PumpScheduling.Batch, sending: true));
        Assert.Equal(PumpScheduling.Normal, PumpSchedulingPolicy.ForPump(PumpScheduling.Normal, sending: false));
        Assert.Throws<ArgumentException>(() => PumpSchedulingPolicy.ApplyToCurrentThread(PumpScheduling.ReceiveNormal));
    }
}
