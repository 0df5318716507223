using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Node.Udp;

namespace Overlay.Node.Tests;

/// <summary>The real socket transport, on loopback only.</summary>
public class UdpTransportTests
{
    [Fact]
    public void Sends_and_receives_datagrams_with_their_source_on_loopback()
    {
        using var a = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var destination = b.LocalEndPoint.Serialize();
        byte[] payload = [0x45, 1, 2, 3, 4, 5];

        Assert.True(a.Send(payload, destination));
        Assert.True(a.Send([], destination)); // an empty datagram is still a datagram

        var buffer = new byte[65536];
        Assert.True(b.TryReceive(buffer, out var length, out var source));
        Assert.Equal(payload, buffer[..length]);
        Assert.Equal(new UdpSource(Ipv4.ToUInt32(IPAddress.Loopback), a.LocalEndPoint.Port), source);
        Assert.True(b.TryReceive(buffer, out length, out _));
        Assert.Equal(0, length);
    }

    [Fact]
    public void Dispose_wakes_a_blocked_receiver_promptly()
    {
        var transport = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        bool? received = null;
        var receiver = new Thread(() => received = transport.TryReceive(new byte[2048], out _, out _))
        {
            IsBackground = true,
            Name = "udp-recv-test",
        };
        receiver.Start();
        NativeThreads.WaitUntilBlocked("udp-recv-test", TimeSpan.FromSeconds(5));

        transport.Dispose();

        Assert.True(receiver.Join(TimeSpan.FromSeconds(5)), "receiver still blocked after Dispose");
        Assert.False(received);
        Assert.False(transport.Send([1], new IPEndPoint(IPAddress.Loopback, 9).Serialize()));
    }

    [Fact]
    public void Bind_failure_names_the_endpoint()
    {
        using var first = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var error = Assert.Throws<IOException>(() => UdpTransport.Bind(first.LocalEndPoint));
        Assert.Equal($"failed to bind UDP {first.LocalEndPoint}: EADDRINUSE", error.Message);
    }

    [Fact]
    public void Socket_buffers_are_raised()
    {
        using var transport = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(transport.ReceiveBufferSize >= 1024 * 1024, $"receive buffer only {transport.ReceiveBufferSize}");
    }

    [Fact]
    public void Sending_and_receiving_allocate_nothing_per_datagram()
    {
        using var a = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var destination = b.LocalEndPoint.Serialize();
        var payload = new byte[1400];
        var buffer = new byte[65536];

        // Asserts allocate, so the loop only counts; one datagram in flight at a time, so none is dropped.
        int Exchange(int count)
        {
            var good = 0;
            for (var i = 0; i < count; i++)
            {
                if (a.Send(payload, destination) && b.TryReceive(buffer, out var length, out _) && length == payload.Length)
                    good++;
            }
            return good;
        }

        var exchanged = 0L;
        var (allocated, iterations, detail) = AllocationProbe.Measure(n => exchanged += Exchange(n), warmup: 500, perWindow: 10_000);
        Assert.Equal(iterations, exchanged);
        Assert.True(allocated == 0, $"send and receive allocated per datagram: {detail}");
    }
}
