namespace Overlay.Node.Tests;

/// <summary>
/// Observes managed threads from the kernel's side: .NET names the OS thread after Thread.Name
/// (first 15 characters), so /proc/self/task/*/comm finds it and its stat line says whether it is
/// sleeping in a syscall. Lets a test wait until a reader really blocks, without sleeping.
/// </summary>
internal static class NativeThreads
{
    public static void WaitUntilBlocked(string threadName, TimeSpan timeout)
    {
        var comm = threadName.Length > 15 ? threadName[..15] : threadName;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var task in Directory.GetDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != comm)
                        continue;
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    // "tid (comm) S ...": the state follows the closing parenthesis.
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('S'))
                        return;
                }
                catch (IOException)
                {
                    // The task ended between listing and reading.
                }
            }
            Thread.Yield();
        }
        throw new TimeoutException($"thread {threadName} did not block within {timeout}");
    }

    /// <summary>The calling thread's scheduling policy as the kernel reports it (field 41 of its stat
    /// line): 0 SCHED_OTHER, 3 SCHED_BATCH.</summary>
    public static int CurrentThreadPolicy()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        // Fields after the command name, which is in parentheses and may hold spaces, start at field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
