using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Overlay.Fuzz;

/// <summary>
/// The recv-tcp mode: listens on <c>Listen</c>, prints <c>listening on ADDR</c> once bound, accepts
/// one connection, reads it to the end, and prints <c>received bytes=N sha256=HEX elapsed_ms=T</c>.
/// </summary>
internal sealed record TcpStreamReceiver(IPEndPoint Listen, int MaxSeconds)
{
    /// <summary>Runs the receiver and writes the report to <paramref name="output"/>; returns the exit code.</summary>
    public async Task<int> ExecuteAsync(TextWriter output)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(MaxSeconds));
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(Listen);
        listener.Listen(1);
        output.WriteLine($"listening on {listener.LocalEndPoint}");
        output.Flush();

        long received = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[FuzzConstants.StreamChunkBytes];
        Stopwatch? clock = null;
        try
        {
            using var connection = await listener.AcceptAsync(timeout.Token);
            clock = Stopwatch.StartNew();
            while (true)
            {
                int read = await connection.ReceiveAsync(chunk.AsMemory(), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(chunk, 0, read);
                received += read;
            }

            connection.Shutdown(SocketShutdown.Both);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine($"recv-tcp: timed out after {MaxSeconds}s on {Listen} with {received} bytes received");
            return ExitCodes.TimedOut;
        }
        catch (SocketException e)
        {
            output.WriteLine($"recv-tcp: connection on {Listen} failed after {received} bytes: {e.SocketErrorCode} ({e.Message})");
            return ExitCodes.Failed;
        }

        output.WriteLine($"received bytes={received} sha256={Convert.ToHexStringLower(hash.GetHashAndReset())} elapsed_ms={clock.ElapsedMilliseconds}");
        return ExitCodes.Success;
    }
}
