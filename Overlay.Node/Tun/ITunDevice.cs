namespace Overlay.Node.Tun;

/// <summary>
/// A layer-3 TUN device carrying bare IPv4 packets (no packet-info prefix). One packet per call.
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
    /// (&gt; 0). Returns 0 once the device is disposed. A packet longer than the buffer is truncated
    /// by the kernel, so callers pass a buffer of at least the MTU. Throws <see cref="IOException"/>
    /// (message names the device and the errno) when the device fails.
    /// </summary>
    int Read(Span<byte> buffer);

    /// <summary>
    /// Hands one packet to the kernel. Returns false when the device is disposed or the kernel refused
    /// this packet (the caller counts a drop); throws <see cref="IOException"/> when the device fails.
    /// </summary>
    bool Write(ReadOnlySpan<byte> packet);
}
