using System.Runtime.InteropServices;

namespace Overlay.Node.Udp;

/// <summary>
/// Layouts and constants for sendmsg/recvmsg with UDP offload control messages (64-bit Linux:
/// x64, arm64). From linux/socket.h and linux/udp.h.
/// </summary>
internal static class UdpInterop
{
    /// <summary>SOL_UDP (= IPPROTO_UDP): level of the UDP offload options and control messages.</summary>
    public const int SolUdp = 17;

    /// <summary>UDP_SEGMENT: a u16 gso_size; the kernel cuts the send into datagrams of that size.</summary>
    public const int UdpSegment = 103;

    /// <summary>UDP_GRO: option enabling receive coalescing, and the control message (an int gso_size) saying how a
    /// received buffer is cut into datagrams.</summary>
    public const int UdpGro = 104;

    /// <summary>MSG_TRUNC in msg_flags: the datagram did not fit the buffer.</summary>
    public const int MsgTrunc = 0x20;

    /// <summary>MSG_CTRUNC in msg_flags: a control message did not fit (the receive is dropped and
    /// counted: the UDP_GRO size may be what was lost).</summary>
    public const int MsgCtrunc = 0x08;

    /// <summary>sizeof(struct cmsghdr) = CMSG_LEN(0) (8-byte length, two ints).</summary>
    public const int CmsgHeaderSize = 16;

    /// <summary>CMSG_SPACE(sizeof(int)): one int-sized control message, aligned.</summary>
    public const int CmsgIntSpace = 24;

    /// <summary>Room for the control messages a receive may carry (UDP_GRO and spares).</summary>
    public const int ReceiveControlSize = 64;

    /// <summary>sizeof(struct sockaddr_in).</summary>
    public const int SockaddrInSize = 16;

    /// <summary>struct msghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public Tun.IoVector* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a msghdr and the byte count recvmmsg/sendmmsg report for it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>MSG_WAITFORONE: recvmmsg blocks for the first message only.</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary>struct cmsghdr (the data follows at offset 16).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}
