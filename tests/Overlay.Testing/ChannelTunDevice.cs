using System.Collections.Concurrent;
using Overlay.Node.Tun;

namespace Overlay.Testing;

/// <summary>
/// An in-memory <see cref="ITunDevice"/> for tests: <see cref="InjectFromKernel"/> queues a packet
/// as if the kernel routed it into the device (the overlay's <see cref="Read"/> returns it) and
/// <see cref="TryTakeWritten"/> yields what the overlay wrote (what the kernel would receive).
/// Thread-safe: any number of threads may inject and take; Read blocks until a packet, a queued
/// failure, or Dispose (then it returns 0). Copies every packet, so it allocates; that is fine for a fake.
/// </summary>
public sealed class ChannelTunDevice(string name = "overlay0", int mtu = 1472) : ITunDevice
{
    private readonly BlockingCollection<byte[]> _fromKernel = new();
    private readonly BlockingCollection<byte[]> _toKernel = new();
    private readonly CancellationTokenSource _disposed = new();
    private volatile Exception? _failure;
    private long _written;

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public int Mtu { get; } = mtu;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed.IsCancellationRequested;

    /// <summary>When true, <see cref="Write"/> refuses packets (returns false), as a kernel under pressure would.</summary>
    public bool RejectWrites { get; set; }

    /// <summary>How many packets the overlay wrote successfully.</summary>
    public long WrittenCount => Interlocked.Read(ref _written);

    /// <summary>Queues a copy of <paramref name="packet"/> for the overlay to read.</summary>
    public void InjectFromKernel(ReadOnlySpan<byte> packet) => _fromKernel.Add(packet.ToArray());

    /// <summary>Makes the pending or next <see cref="Read"/> throw <paramref name="failure"/> (a failing device).</summary>
    public void Fail(Exception failure)
    {
        _failure = failure;
        _fromKernel.Add([]);
    }

    /// <summary>Takes the next packet the overlay wrote, waiting up to <paramref name="timeout"/>.</summary>
    public bool TryTakeWritten(out byte[] packet, TimeSpan timeout) =>
        _toKernel.TryTake(out packet!, timeout);

    /// <inheritdoc />
    public int Read(Span<byte> buffer, out VirtioNetHeader offload)
    {
        // A device without offloads: every packet is an ordinary one.
        offload = VirtioNetHeader.None;
        try
        {
            var packet = _fromKernel.Take(_disposed.Token);
            if (_failure is { } failure)
                throw failure;
            var length = Math.Min(packet.Length, buffer.Length);
            packet.AsSpan(0, length).CopyTo(buffer);
            return length;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    /// <inheritdoc />
    public int TryRead(Span<byte> buffer, out VirtioNetHeader offload)
    {
        offload = VirtioNetHeader.None;
        if (IsDisposed || !_fromKernel.TryTake(out var packet))
            return 0;
        if (_failure is { } failure)
            throw failure;
        var length = Math.Min(packet.Length, buffer.Length);
        packet.AsSpan(0, length).CopyTo(buffer);
        return length;
    }

    /// <inheritdoc />
    public bool Write(ReadOnlySpan<byte> packet)
    {
        if (IsDisposed || RejectWrites)
            return false;
        _toKernel.Add(packet.ToArray());
        Interlocked.Increment(ref _written);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed.IsCancellationRequested)
            _disposed.Cancel();
    }
}
