using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

/// <summary>
/// Limits on the endpoints a portal POSTs to (<c>/</c>, <c>/install</c>, <c>/events</c>), which anyone
/// on the internet can reach: each one costs the app a call to the OAuth server.
/// </summary>
public sealed class PortalPostOptions
{
    public const string Section = "PortalPosts";

    /// <summary>A real portal POST is well under a kilobyte.</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Verifications (calls to the OAuth server) running at once, for all callers.</summary>
    public int MaxConcurrentVerifications { get; set; } = 32;

    /// <summary>
    /// Opens waiting for a verification slot (each for <c>Bitrix24:VerifyTimeout</c> at most). Generous: a
    /// morning's opens arrive together (100 at once overran 32 + 64), a waiting open costs little, and
    /// floods are held back per address before they get here.
    /// </summary>
    public int VerificationQueueLimit { get; set; } = 1000;

    /// <summary>Portal POSTs one client address may make in a burst, then per second.</summary>
    public int PerAddressBurst { get; set; } = 100;

    public int PerAddressPerSecond { get; set; } = 20;
}

public sealed class PortalPostOptionsValidator : IValidateOptions<PortalPostOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalPostOptions options) =>
        options.MaxBodyBytes < 4096 || options.MaxConcurrentVerifications < 1 || options.VerificationQueueLimit < 0 || options.PerAddressBurst < 1 || options.PerAddressPerSecond < 1
            ? ValidateOptionsResult.Fail("PortalPosts: MaxBodyBytes must be at least 4096, MaxConcurrentVerifications, PerAddressBurst and PerAddressPerSecond at least 1, VerificationQueueLimit not negative.")
            : ValidateOptionsResult.Success;
}

/// <summary>The app's own public address (<c>App:PublicUrl</c>), used for placement handler URLs.</summary>
public sealed class AppOptions
{
    public const string Section = "App";

    public string? PublicUrl { get; set; }

    /// <summary>The reverse proxies whose <c>X-Forwarded-*</c> headers are believed (<c>App:ForwardedHeaders:KnownNetworks</c>).</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public Uri? PublicBase => string.IsNullOrWhiteSpace(PublicUrl) ? null : new Uri(PublicUrl.TrimEnd('/') + "/");
}

/// <summary>
/// Networks of the proxies in front of the app, in CIDR notation (<c>10.0.0.0/8</c>, <c>fd00::/8</c>). Only
/// their forwarded headers say who the client is; loopback is always believed.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public List<string> KnownNetworks { get; set; } = [];
}

public sealed class AppOptionsValidator : IValidateOptions<AppOptions>
{
    public ValidateOptionsResult Validate(string? name, AppOptions options)
    {
        var failures = new List<string>();
        if (!(string.IsNullOrWhiteSpace(options.PublicUrl) || Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && string.IsNullOrEmpty(uri.Query)))
        {
            failures.Add($"App:PublicUrl '{options.PublicUrl}' is not an absolute http(s) URL such as https://calllists.example.com/.");
        }

        foreach (var network in options.ForwardedHeaders.KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            failures.Add($"App:ForwardedHeaders:KnownNetworks '{network}' is not a network in CIDR notation such as 10.0.0.0/8.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
