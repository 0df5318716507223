using System.Buffers.Binary;
using System.Text;
using Tmds.Linux;
using static Overlay.Node.Tun.TunInterop;

namespace Overlay.Node.Tun;

/// <summary>
/// The one link setting that has no ioctl: gso_max_segs, set with an rtnetlink RTM_SETLINK request
/// (what <c>ip link set dev overlay0 gso_max_segs 44</c> sends). The TCP stack never builds a
/// super-packet of more segments than its device's gso_max_segs, so capping the TUN at the number of
/// datagrams one UDP_SEGMENT send may carry makes every TUN read one sendmsg (left at the kernel's
/// 65535, a 64 KiB read of 46 segments costs a send of 44 and a send of 2, and the peer a GRO batch
/// and a TUN write for each). Stateless; each call opens and closes its own netlink socket.
/// </summary>
public static class RouteNetlink
{
    /// <summary>
    /// Sets gso_max_segs of <paramref name="device"/> to <paramref name="segments"/> and waits for the
    /// kernel's acknowledgement. Throws <see cref="IOException"/> naming the setting, the device and the
    /// errno when the kernel refuses (kernels before 5.19 do not accept the attribute on an existing link).
    /// </summary>
    public static unsafe void SetGsoMaxSegments(string device, int segments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        var failure = $"failed to set gso_max_segs {segments} on {device} (RTM_SETLINK)";
        var name = Encoding.ASCII.GetBytes(device);
        if (name.Length >= IFNAMSIZ)
            throw new IOException($"{failure}: name longer than {IFNAMSIZ - 1} bytes");

        Span<byte> request = stackalloc byte[NetlinkRequestCapacity];
        request.Clear();
        var nameAttribute = Align(RtaHeaderSize + name.Length + 1);
        var length = NlmsgHeaderSize + IfinfomsgSize + nameAttribute + RtaHeaderSize + sizeof(uint);
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RtmSetLink);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest | NlmFAck);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], RequestSequence);
        // ifinfomsg stays zero: AF_UNSPEC, index 0 (the kernel finds the link by IFLA_IFNAME), no flag changes.
        var attribute = request[(NlmsgHeaderSize + IfinfomsgSize)..];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(RtaHeaderSize + name.Length + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute[2..], IflaIfname);
        name.CopyTo(attribute[RtaHeaderSize..]);
        attribute = attribute[nameAttribute..];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, RtaHeaderSize + sizeof(uint));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute[2..], IflaGsoMaxSegs);
        BinaryPrimitives.WriteUInt32LittleEndian(attribute[RtaHeaderSize..], (uint)segments);

        var fd = LibC.socket(AfNetlink, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NetlinkRoute);
        if (fd < 0)
            throw new IOException($"{failure}: socket(AF_NETLINK): {Errno.Name(Errno.Last)}");
        try
        {
            // Destination pid 0 is the kernel; it handles the request inside sendto and queues the
            // acknowledgement before sendto returns, so a non-blocking receive finds it.
            Span<byte> kernel = stackalloc byte[SockaddrNlSize];
            kernel.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(kernel, AfNetlink);
            fixed (byte* data = request)
            fixed (byte* address = kernel)
            {
                if (LibC.sendto(fd, data, length, 0, (sockaddr*)address, SockaddrNlSize) < 0)
                    throw new IOException($"{failure}: sendto: {Errno.Name(Errno.Last)}");
            }
            Span<byte> reply = stackalloc byte[NetlinkReplyCapacity];
            int received;
            fixed (byte* data = reply)
                received = (int)LibC.recv(fd, data, reply.Length, LibC.MSG_DONTWAIT);
            if (received < 0)
                throw new IOException($"{failure}: no acknowledgement: {Errno.Name(Errno.Last)}");
            if (received < NlmsgHeaderSize + sizeof(int) || BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]) != NlmsgError)
                throw new IOException($"{failure}: unexpected reply of {received} bytes");
            var error = BinaryPrimitives.ReadInt32LittleEndian(reply[NlmsgHeaderSize..]);
            if (error != 0)
                throw new IOException($"{failure}: {Errno.Name(-error)}");
        }
        finally
        {
            LibC.close(fd);
        }
    }

    private static int Align(int length) => (length + 3) & ~3;
}
