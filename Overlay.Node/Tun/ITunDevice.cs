namespace Overlay.Node.Tun;

/// <summary>
/// A layer-3 TUN device carrying IPv4 packets (no packet-info prefix), with or without offloads. The
/// seam hides the virtio_net_hdr: <see cref="Read"/> hands over one packet and its offload information
/// separately (nebula's model: a plain packet is a super-packet without GSO information), and
/// <see cref="Write"/> takes a bare packet. A device without offloads (<c>--offload off</c>, in-memory
/// fakes) always reports <see cref="VirtioNetHeader.None"/>: offloads are a capability of the device,
/// not a second pump.
/// Thread-safety: one reader thread and any number of writer threads may use it concurrently (the
/// TUN-to-UDP pump writes ICMP replies while the UDP-to-TUN pump writes packets; each Write is one
/// whole packet), and
/// <see cref="IDisposable.Dispose"/> may be called from any thread at any time: it wakes a reader
/// blocked in <see cref="Read"/>, which then returns 0. Calls after disposal return 0 / false and never
/// touch a closed descriptor.
/// </summary>
public interface ITunDevice : IDisposable
{
    /// <summary>The kernel's name for the device, e.g. "overlay0".</summary>
    string Name { get; }

    /// <summary>The MTU the device was created for (the overlay MTU: underlay MTU - 28).</summary>
    int Mtu { get; }

    /// <summary>
    /// Blocks until a packet arrives and copies it into <paramref name="buffer"/>; returns its length
    /// (&gt; 0) and its <paramref name="offload"/> information: <see cref="VirtioNetHeader.None"/> for an
    /// ordinary packet; on a device with offloads, possibly a TCP (or UDP) super-packet of up to 64 KiB
    /// that the reader must split, or a packet whose checksum it must complete. Returns 0 once the device
    /// is disposed. A packet longer than the buffer is truncated by the kernel, so callers pass a buffer
    /// of at least the MTU (64 KiB with offloads). Throws <see cref="IOException"/> (message names the
    /// device and the errno) when the device fails.
    /// </summary>
    int Read(Span<byte> buffer, out VirtioNetHeader offload);

    /// <summary>
    /// As <see cref="Read"/>, but never waits: returns 0 at once when no packet is queued (or the device
    /// is disposed). The TUN-to-UDP pump drains what is already queued after each blocking read, so that
    /// packets of one peer go out in one send; nothing is ever held back waiting for more. The default
    /// (a device that cannot read without waiting) reports nothing queued, so every read is a blocking one.
    /// </summary>
    int TryRead(Span<byte> buffer, out VirtioNetHeader offload)
    {
        offload = VirtioNetHeader.None;
        return 0;
    }

    /// <summary>
    /// Hands one bare packet to the kernel (a device with offloads puts a zero virtio_net_hdr in front).
    /// Returns false when the device is disposed or the kernel refused this packet (the caller counts a
    /// drop); throws <see cref="IOException"/> when the device fails.
    /// </summary>
    bool Write(ReadOnlySpan<byte> packet);

    /// <summary>True when the device was opened with IFF_VNET_HDR and the kernel accepted
    /// TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN: reads may be super-packets and
    /// <see cref="WriteBatch"/> merges runs. False (the default): one packet per read and per write.</summary>
    bool OffloadsEnabled => false;

    /// <summary>True when the kernel also accepted TUN_F_USO4 | TUN_F_USO6 (Linux &gt;= 6.2): reads may carry
    /// GSO_UDP_L4 super-packets and batch writes merge UDP runs too. False (the default).</summary>
    bool UdpOffloadsEnabled => false;

    /// <summary>
    /// Writes a batch of bare packets (pinned memory, in order) and sets <paramref name="written"/>[i]
    /// for each one the kernel took (the caller counts the others as drops). A device with offloads
    /// merges runs of one TCP (or UDP) flow into GSO writes (<see cref="CoalescingTunWriter"/>); the
    /// default writes them one by one with <see cref="Write"/>. Called by one thread at a time (the
    /// UDP-to-TUN pump); throws <see cref="IOException"/> when the device fails.
    /// </summary>
    TunBatchResult WriteBatch(ReadOnlySpan<IoVector> packets, Span<bool> written)
    {
        var count = 0;
        for (var i = 0; i < packets.Length; i++)
        {
            written[i] = Write(packets[i].AsSpan());
            if (written[i])
                count++;
        }
        return new TunBatchResult(count, 0, packets.Length);
    }

    /// <summary>Raised once, on the writing thread, when a device with offloads stops merging runs
    /// because the kernel refused the first GSO write of a kind; the argument says why (one log line).</summary>
    event Action<string>? CoalescingDisabled { add { } remove { } }
}
