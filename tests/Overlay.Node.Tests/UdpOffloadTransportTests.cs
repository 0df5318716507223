using System.Net;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Tests;

/// <summary>UDP_SEGMENT sends and UDP_GRO receives through the real socket, on loopback only.</summary>
public unsafe class UdpOffloadTransportTests
{
    private static readonly byte[][] Datagrams = [Fill(1000, 1), Fill(1000, 2), Fill(1000, 3), Fill(500, 4)];

    private static byte[] Fill(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static int SendAll(UdpTransport sender, UdpTransport receiver)
    {
        // Two parts per datagram, as the pump gathers header + payload: split each at byte 100.
        var pinned = Datagrams.Select(d => GC.AllocateArray<byte>(d.Length, pinned: true)).ToArray();
        var parts = new IoVector[2 * Datagrams.Length];
        for (var i = 0; i < Datagrams.Length; i++)
        {
            Datagrams[i].CopyTo(pinned[i], 0);
            fixed (byte* p = pinned[i])
            {
                parts[2 * i] = new IoVector(p, 100);
                parts[2 * i + 1] = new IoVector(p + 100, pinned[i].Length - 100);
            }
        }
        var sent = sender.SendSegments(parts, 2, 1000, Datagrams.Length, receiver.LocalEndPoint.Serialize());
        GC.KeepAlive(pinned);
        return sent;
    }

    private static List<byte[]> ReceiveAll(UdpTransport receiver, out int receives)
    {
        var buffer = GC.AllocateArray<byte>(65536, pinned: true);
        var got = new List<byte[]>();
        receives = 0;
        while (got.Sum(d => d.Length) < 3500)
        {
            Assert.True(receiver.TryReceiveBatch(buffer, out var length, out var segmentSize, out var source));
            Assert.Equal(IPAddress.Loopback, source.ToEndPoint().Address);
            receives++;
            for (var offset = 0; offset < length; offset += segmentSize)
                got.Add(buffer.AsSpan(offset, Math.Min(segmentSize, length - offset)).ToArray());
        }
        return got;
    }

    [Fact]
    public void Batches_already_queued_from_several_peers_come_back_from_one_receive_call_each_in_its_slot()
    {
        using var receiver = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(receiver.EnableGro());
        // GRO never merges datagrams of different sources: three senders queue three batches.
        var senders = Enumerable.Range(0, 3).Select(_ => UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
        try
        {
            for (var i = 0; i < senders.Length; i++)
                Assert.True(senders[i].Send(Fill(200 + i, (byte)(10 + i)), receiver.LocalEndPoint.Serialize()));

            var buffer = GC.AllocateArray<byte>(4 * 65536, pinned: true);
            var batches = new ReceivedBatch[4];
            // Loopback delivers inside sendmsg, so all three are queued before the one call.
            Assert.Equal(3, receiver.ReceiveBatches(buffer, 65536, batches));
            foreach (var batch in batches.Take(3))
            {
                Assert.Equal(0, batch.Offset % 65536);
                var sender = Array.FindIndex(senders, s => s.LocalEndPoint.Port == batch.Source.Port);
                Assert.Equal(Fill(200 + sender, (byte)(10 + sender)), buffer.AsSpan(batch.Offset, batch.Length).ToArray());
                Assert.Equal(batch.Length, batch.SegmentSize);
            }
            Assert.Equal(3, batches.Take(3).Select(b => b.Source.Port).Distinct().Count());
        }
        finally
        {
            foreach (var sender in senders)
                sender.Dispose();
        }
    }

    [Fact]
    public void A_segmented_send_arrives_as_one_gro_batch_that_slices_into_the_datagrams()
    {
        using var sender = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(receiver.EnableGro());

        Assert.Equal(4, SendAll(sender, receiver));
        var got = ReceiveAll(receiver, out var receives);

        Assert.Equal(Datagrams, got);
        Assert.Equal(1, receives);
        Assert.True(sender.SegmentationEnabled);
    }

    [Fact]
    public void Without_gro_the_receiver_gets_the_datagrams_one_by_one()
    {
        using var sender = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.Equal(4, SendAll(sender, receiver));
        var got = ReceiveAll(receiver, out var receives);

        Assert.Equal(Datagrams, got);
        Assert.Equal(4, receives);
    }

    [Fact]
    public void With_segmentation_off_each_datagram_is_sent_on_its_own()
    {
        using var sender = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(receiver.EnableGro());
        sender.DisableSegmentation();

        Assert.Equal(4, SendAll(sender, receiver));
        var got = ReceiveAll(receiver, out _);

        Assert.Equal(Datagrams, got);
        Assert.False(sender.SegmentationEnabled);
    }

    [Fact]
    public void Dispose_wakes_a_receiver_blocked_in_recvmsg()
    {
        var transport = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        bool? received = null;
        var receiver = new Thread(() => received = transport.TryReceiveBatch(GC.AllocateArray<byte>(65536, pinned: true), out _, out _, out _))
        {
            IsBackground = true,
            Name = "udp-gro-recv-test",
        };
        receiver.Start();
        NativeThreads.WaitUntilBlocked("udp-gro-recv-test", TimeSpan.FromSeconds(5));
        transport.Dispose();
        Assert.True(receiver.Join(TimeSpan.FromSeconds(5)));
        Assert.False(received);
    }

    [Fact]
    public void A_receive_whose_control_messages_were_cut_short_is_dropped_and_counted_and_the_next_one_comes_through()
    {
        var drops = new DropCounters();
        using var receiver = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0), drops: drops);
        using var sender = UdpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(receiver.EnableGro());
        // Four IP control messages (112 bytes) do not fit the receive's control room: MSG_CTRUNC.
        SetIpReceiveOptions(receiver, on: true);
        Assert.True(sender.Send(Fill(100, 1), receiver.LocalEndPoint.Serialize()));
        var buffer = GC.AllocateArray<byte>(65536, pinned: true);
        var received = false;
        var length = 0;
        var thread = new Thread(() => received = receiver.TryReceiveBatch(buffer, out length, out _, out _))
        {
            IsBackground = true,
            Name = "udp-ctrunc-test",
        };
        thread.Start();

        Poll.Until(() => drops[DropReason.ControlTruncated] == 1, TimeSpan.FromSeconds(5));
        SetIpReceiveOptions(receiver, on: false);
        Assert.True(sender.Send(Fill(200, 2), receiver.LocalEndPoint.Serialize()));

        Assert.True(thread.Join(TimeSpan.FromSeconds(5)));
        Assert.True(received);
        Assert.Equal(200, length);
        Assert.Equal(2, buffer[0]);
        Assert.Equal(1, drops.Total);
    }

    /// <summary>IP_PKTINFO (8), IP_RECVTTL (12), IP_RECVTOS (13), IP_RECVORIGDSTADDR (20) at SOL_IP (0).</summary>
    private static void SetIpReceiveOptions(UdpTransport transport, bool on)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, on ? 1 : 0);
        foreach (var option in new[] { 8, 12, 13, 20 })
            transport.Socket.SetRawSocketOption(0, option, value);
    }
}
