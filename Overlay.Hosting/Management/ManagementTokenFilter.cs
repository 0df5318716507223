using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Overlay.Hosting.Management;

/// <summary>
/// Guards a write route: when <see cref="ManagementSettings.Token"/> is set, the request must carry
/// "Authorization: Bearer &lt;token&gt;" or gets 401 with a WWW-Authenticate header. Without a
/// registered <see cref="ManagementSettings"/> or token the route stays open; the processes allow
/// that only on a loopback address (<see cref="ManagementTokenOption.RequireTokenBeyondLoopback"/>).
/// The comparison takes constant time.
/// </summary>
public sealed class ManagementTokenFilter : IEndpointFilter
{
    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var token = context.HttpContext.RequestServices.GetService<ManagementSettings>()?.Token;
        if (token is null || Authorized(context.HttpContext.Request, token))
            return next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"overlay-management\"";
        return ValueTask.FromResult<object?>(Results.Json(
            new ErrorJson("this route needs 'Authorization: Bearer <token>' with the management token"),
            statusCode: StatusCodes.Status401Unauthorized));
    }

    private static bool Authorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>Attaches <see cref="ManagementTokenFilter"/> to a route.</summary>
public static class ManagementTokenFilterExtensions
{
    /// <summary>The route answers 401 unless the request carries the management token (when one is configured).</summary>
    public static TBuilder RequireManagementToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ManagementTokenFilter());
}
