using System.Runtime.InteropServices;

namespace Overlay.Node.Tun;

/// <summary>
/// Raw syscalls the hot path needs and Tmds.LibC does not give allocation-free: writev, sendmsg,
/// readv, recvmsg. Blittable [LibraryImport]s with SetLastError (read the errno with
/// <see cref="Marshal.GetLastPInvokeError"/>); never SuppressGCTransition, since they block.
/// </summary>
internal static unsafe partial class VectorIo
{
    [LibraryImport("libc", EntryPoint = "readv", SetLastError = true)]
    public static partial nint Readv(int fd, IoVector* iov, int count);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVector* iov, int count);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, void* msg, int flags);

    /// <summary>recvmmsg(2); <paramref name="messages"/> points to mmsghdr entries, <paramref name="timeout"/> may be null.</summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int fd, void* messages, uint count, int flags, void* timeout);
}
