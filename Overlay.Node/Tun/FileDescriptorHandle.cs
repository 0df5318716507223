using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Overlay.Node.Tun;

/// <summary>
/// Owns one file descriptor. Users bracket each syscall with DangerousAddRef/DangerousRelease, so
/// Dispose on another thread defers close(2) until the last syscall using the descriptor has
/// returned: a descriptor number is never closed under a running read and reused by another open.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public FileDescriptorHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    /// <inheritdoc />
    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number; valid only while a reference is held.</summary>
    public int Fd => (int)handle.ToInt64();

    /// <inheritdoc />
    protected override bool ReleaseHandle() => LibC.close((int)handle.ToInt64()) == 0;
}
