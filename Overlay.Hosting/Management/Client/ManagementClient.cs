using System.Net.Http.Headers;
using System.Text.Json;

namespace Overlay.Hosting.Management.Client;

/// <summary>
/// A small client of the management endpoint for the inspection subcommands. Failures become a
/// <see cref="ManagementClientException"/> whose message is one line naming the request and what
/// went wrong ("GET http://127.0.0.1:8558/leases: Connection refused"). Not thread-safe per call
/// order, but each call is independent.
/// </summary>
public sealed class ManagementClient(Uri baseAddress, TimeSpan? timeout = null) : IDisposable
{
    /// <summary>The JSON conventions of the management API (camelCase, as ASP.NET writes it).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Indented output for --json.</summary>
    public static readonly JsonSerializerOptions PrintOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Terminal output, not HTML: "+00:00" stays readable instead of "\u002B00:00".
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10) };

    /// <summary>The endpoint's base address.</summary>
    public Uri BaseAddress => baseAddress;

    /// <summary>Bearer token sent with every request (writes need it when the server has one).</summary>
    public string? Token
    {
        set => _http.DefaultRequestHeaders.Authorization = value is null ? null : new AuthenticationHeaderValue("Bearer", value);
    }

    /// <summary>GETs <paramref name="path"/> and reads its JSON body into <typeparamref name="T"/>, the
    /// record the server wrote it from; a non-2xx answer throws with the server's "error"/"message" text.</summary>
    public async Task<T> GetAsync<T>(string path, CancellationToken cancellation = default)
    {
        var uri = new Uri(baseAddress, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(uri, cancellation);
        }
        catch (HttpRequestException ex)
        {
            throw new ManagementClientException($"GET {uri}: {ex.Message} (is the process running, and is its management endpoint there?)");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new ManagementClientException($"GET {uri}: no answer within {_http.Timeout.TotalSeconds:0}s");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                var reason = TryRead<FailureBody>(body) is { } failure && (failure.Error ?? failure.Message) is { } text
                    ? text
                    : Shorten(body);
                throw new ManagementClientException($"GET {uri}: {(int)response.StatusCode} {response.ReasonPhrase}: {reason}");
            }
            return TryRead<T>(body)
                   ?? throw new ManagementClientException($"GET {uri}: {(int)response.StatusCode} with a body that is not a {typeof(T).Name}: '{Shorten(body)}'");
        }
    }

    private static T? TryRead<T>(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, JsonOptions);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static string Shorten(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "...";

    /// <summary>A failure's body: <see cref="ErrorJson"/> from our routes, a "message" from the
    /// cluster routes (<see cref="ManagementMessage"/>).</summary>
    private sealed record FailureBody(string? Error, string? Message);
}

/// <summary>A management request that failed; the message is one printable line.</summary>
public sealed class ManagementClientException(string message) : Exception(message);
