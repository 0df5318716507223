using System.Runtime.InteropServices;
using Overlay.Node.Tun;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The Linux scheduling policy of the pump threads (<c>--pump-scheduling</c>).
/// </summary>
/// <remarks>
/// <see cref="Batch"/> is SCHED_BATCH: a pump woken by a packet does not preempt the
/// task running on its CPU; it runs when that task's slice ends or it sleeps. Every stage of a
/// forwarding pipeline wakes the next (the TUN read wakes nothing, the UDP send wakes the peer's
/// receiving pump, the TUN write wakes the application), and under SCHED_OTHER each wake-up
/// could preempt the stage that caused it in the middle of its batch. On the bench's two CPUs:
/// single-stream 0.78x against 0.70x the kernel VXLAN in an interleaved dev A/B (15 rounds each), but
/// within run-to-run noise in full bench runs (0.72x and 0.67x, against 0.69x before); ping RTT 254-289
/// against 385-434 us, TCP 4 streams and UDP 64 B rates 11-23% higher in those runs.
/// The cost: on a CPU that is saturated, a pump may wait up to one scheduler slice (a few ms) to
/// run. <see cref="Normal"/> is SCHED_OTHER, the policy every thread starts with.
/// <see cref="ReceiveNormal"/> keeps the TUN-to-UDP pumps SCHED_BATCH and runs the UDP-to-TUN
/// pumps SCHED_OTHER. In an unpaced pod UDP stream nearly every loss is at the receiving pod's socket
/// (its default receive buffer overflows while its application waits for a CPU), not on the path: a
/// receiving pump that waits for a slice to end writes everything that arrived meanwhile into the TUN
/// at once. Run promptly, it hands the application smaller, more frequent batches (in one 3 s sample
/// the application woke 9,098 instead of 3,691 times and read 24 instead of ~50 datagrams per wake).
/// Pod to pod on the bench (3 rounds each, bench/README.md "UDP bulk"): UDP 1400 B 1.31x the kernel
/// VXLAN against 0.92-0.98x with all pumps batch, 1.29x all normal, 0.97x with only the sending pumps
/// SCHED_OTHER; TCP 1 stream 1.00x; request/response 10,624 trans/s against 10,375-10,765 with batch.
/// The cost: pod-to-pod ping p50 ~94 us against 62-101 us with batch (the kernel VXLAN ~30 us).
/// <see cref="Adaptive"/> (the default) runs a receiving pump SCHED_OTHER only while its receive calls
/// return bursts (<see cref="ReceiveSchedulingGovernor"/>), so ping and request/response stay on SCHED_BATCH:
/// UDP 1400 B 1.17x, 1.33x and 1.35x in three pod runs, ping p50 73-144 us against 229 us for
/// ReceiveNormal in the same noisy hour (bench/README.md "UDP bulk").
/// </remarks>
public enum PumpScheduling
{
    /// <summary>SCHED_BATCH: no wake-up preemption.</summary>
    Batch,
    /// <summary>SCHED_OTHER: the kernel's default.</summary>
    Normal,
    /// <summary>The TUN-to-UDP pumps SCHED_BATCH, the UDP-to-TUN pumps SCHED_OTHER.</summary>
    ReceiveNormal,
    /// <summary>The TUN-to-UDP pumps SCHED_BATCH; each UDP-to-TUN pump SCHED_BATCH while its receive calls are
    /// small and SCHED_OTHER while they return bursts (<see cref="ReceiveSchedulingGovernor"/>).</summary>
    Adaptive,
}

/// <summary>Applies a <see cref="PumpScheduling"/> to the calling thread.</summary>
public static partial class PumpSchedulingPolicy
{
    private const int SchedOther = 0; // <linux/sched.h>
    private const int SchedBatch = 3;

    /// <summary>The policy one pump thread runs with under <paramref name="scheduling"/>: always
    /// <see cref="PumpScheduling.Batch"/> or <see cref="PumpScheduling.Normal"/>. <paramref name="sending"/>
    /// is true for the TUN-to-UDP pump, false for the UDP-to-TUN pump.</summary>
    public static PumpScheduling ForPump(PumpScheduling scheduling, bool sending) => scheduling switch
    {
        PumpScheduling.ReceiveNormal => sending ? PumpScheduling.Batch : PumpScheduling.Normal,
        PumpScheduling.Adaptive => PumpScheduling.Batch, // the receiving pump's governor changes it later
        _ => scheduling,
    };

    /// <summary>Sets <paramref name="scheduling"/> on the calling thread (Linux applies the policy per
    /// thread; no privilege is needed for either policy). Returns null, or why the kernel refused,
    /// naming the operation: "sched_setscheduler(SCHED_BATCH) on thread 1234: EPERM".</summary>
    public static string? ApplyToCurrentThread(PumpScheduling scheduling)
    {
        if (scheduling is PumpScheduling.ReceiveNormal or PumpScheduling.Adaptive)
            throw new ArgumentException($"applying pump scheduling {scheduling} to a thread: resolve it per pump with ForPump first", nameof(scheduling));
        var policy = scheduling == PumpScheduling.Batch ? SchedBatch : SchedOther;
        var param = 0; // struct sched_param { int sched_priority; }: 0 for both policies
        if (SetScheduler(0, policy, ref param) == 0)
            return null;
        var errno = Marshal.GetLastPInvokeError();
        return $"sched_setscheduler({(policy == SchedBatch ? "SCHED_BATCH" : "SCHED_OTHER")}) on thread {GetTid()}: {Errno.Name(errno)}";
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref int param);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
