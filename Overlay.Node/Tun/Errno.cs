using Tmds.Linux;

namespace Overlay.Node.Tun;

/// <summary>
/// Symbolic names for errno values, so error messages read "EEXIST" rather than "17". Thread-safe.
/// </summary>
public static class Errno
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [LibC.EPERM] = "EPERM",
        [LibC.ENOENT] = "ENOENT",
        [LibC.EINTR] = "EINTR",
        [LibC.EIO] = "EIO",
        [LibC.ENXIO] = "ENXIO",
        [LibC.EBADF] = "EBADF",
        [LibC.EAGAIN] = "EAGAIN",
        [LibC.ENOMEM] = "ENOMEM",
        [LibC.EACCES] = "EACCES",
        [LibC.EFAULT] = "EFAULT",
        [LibC.EBUSY] = "EBUSY",
        [LibC.EEXIST] = "EEXIST",
        [LibC.ENODEV] = "ENODEV",
        [LibC.EINVAL] = "EINVAL",
        [LibC.ENFILE] = "ENFILE",
        [LibC.EMFILE] = "EMFILE",
        [LibC.ENOTTY] = "ENOTTY",
        [LibC.ENOSPC] = "ENOSPC",
        [LibC.ERANGE] = "ERANGE",
        [LibC.ENAMETOOLONG] = "ENAMETOOLONG",
        [LibC.EOPNOTSUPP] = "EOPNOTSUPP",
        [LibC.EADDRINUSE] = "EADDRINUSE",
        [LibC.EADDRNOTAVAIL] = "EADDRNOTAVAIL",
        [LibC.ENETDOWN] = "ENETDOWN",
        [LibC.ENETUNREACH] = "ENETUNREACH",
        [LibC.ENOBUFS] = "ENOBUFS",
        [LibC.EMSGSIZE] = "EMSGSIZE",
        [LibC.EAFNOSUPPORT] = "EAFNOSUPPORT",
        [LibC.EHOSTUNREACH] = "EHOSTUNREACH",
        [LibC.ESRCH] = "ESRCH",
    };

    /// <summary>"EEXIST" for 17, "errno 999" for a value without a name here.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out var name) ? name : $"errno {errno}";

    /// <summary>The errno of the last failed LibC call on this thread.</summary>
    public static int Last => LibC.errno;
}
