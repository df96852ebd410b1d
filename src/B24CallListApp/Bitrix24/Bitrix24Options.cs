using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>The app's side of Bitrix24: OAuth credentials, trusted OAuth servers, limits.</summary>
public sealed class Bitrix24Options
{
    public const string Section = "Bitrix24";

    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Only these OAuth servers are asked to verify a token or refresh one.</summary>
    public List<string> OAuthServers { get; set; } = [];

    /// <summary>Allows portals on http, loopback or private addresses (local development and tests).</summary>
    public bool AllowPrivateNetworkPortals { get; set; }

    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>One HTTP attempt to a portal may take this long (Bitrix24 itself cuts requests at 60 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(65);

    /// <summary>Asking the OAuth server who a token belongs to (every install, open and event) may take this long.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A token refresh, and then storing the new pair, may each take this long; neither is cut short by the caller.</summary>
    public TimeSpan RefreshTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest answer the app reads from a portal; a larger one is refused, not buffered.</summary>
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most rows one paged read collects; a portal that pages without end is stopped here.</summary>
    public int MaxRowsPerRead { get; set; } = 200_000;

    /// <summary>
    /// Most bytes of rows one paged read takes in (each answer is also capped by <see cref="MaxResponseBytes"/>):
    /// a hostile portal cannot make one read hold unbounded memory.
    /// </summary>
    public long MaxReadBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Longest time one paged read may take in all.</summary>
    public TimeSpan MaxReadTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a call that is safe to repeat is repeated after a transient failure.</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public static readonly string[] DefaultOAuthServers = ["https://oauth.bitrix.info/", "https://oauth.bitrix24.tech/"];

    public IReadOnlyList<Uri> TrustedOAuthServers =>
        (OAuthServers.Count == 0 ? DefaultOAuthServers : [.. OAuthServers]).Select(s => new Uri(s.EndsWith('/') ? s : s + "/")).ToList();
}

/// <summary>Per-portal token bucket, matched to Bitrix24's leaky bucket (burst 50, 2 requests a second).</summary>
public sealed class RateLimitOptions
{
    /// <summary>The portal's bucket size; the app bursts a little less (<see cref="AppBurst"/>), to leave room for jitter.</summary>
    public int BurstLimit { get; set; } = 50;
    public double RequestsPerSecond { get; set; } = 2;
    public int QueueLimit { get; set; } = 10_000;

    /// <summary>Longest pause after the portal answers QUERY_LIMIT_EXCEEDED several times in a row.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>How far behind their schedule requests may reach the portal (new connections, a busy instance).</summary>
    public TimeSpan ArrivalJitter { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The portal's bucket less the headroom that jitter needs: requests leave on schedule but arrive bunched
    /// up, and what left over a late stretch arrives at once, without the drain the portal would have seen
    /// between them; once the burst is spent the portal's bucket stays as full as the burst left it, so that
    /// bunching alone tips it into QUERY_LIMIT_EXCEEDED. So the app keeps back a tenth of the bucket and at
    /// least what the portal drains in <see cref="ArrivalJitter"/> (one request of headroom still let 5 in
    /// 17,000 through under load; at 20 requests a second, first connections bunched 11 into 20 ms).
    /// </summary>
    internal int AppBurst => Math.Max(1, BurstLimit - Math.Max(Math.Max(1, BurstLimit / 10), (int)Math.Ceiling(RequestsPerSecond * ArrivalJitter.TotalSeconds)));

    internal TimeSpan Interval => TimeSpan.FromSeconds(1 / RequestsPerSecond);
}

/// <summary>Checks the configuration on start and says what is wrong in words an operator can act on.</summary>
public sealed class Bitrix24OptionsValidator(IHostEnvironment environment) : IValidateOptions<Bitrix24Options>
{
    public ValidateOptionsResult Validate(string? name, Bitrix24Options options)
    {
        var failures = new List<string>();
        if (!environment.IsDevelopment())
        {
            if (string.IsNullOrWhiteSpace(options.ClientId))
            {
                failures.Add("Bitrix24:ClientId is required: set it to the application's client_id (code) from the Bitrix24 app registration.");
            }

            if (string.IsNullOrWhiteSpace(options.ClientSecret))
            {
                failures.Add("Bitrix24:ClientSecret is required: set it to the application's client_secret (key) from the Bitrix24 app registration.");
            }
        }

        foreach (var server in options.OAuthServers)
        {
            if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            {
                failures.Add($"Bitrix24:OAuthServers contains '{server}', which is not an absolute http(s) base URL such as https://oauth.bitrix.info/.");
            }
            else if (uri.Scheme == "http" && !options.AllowPrivateNetworkPortals)
            {
                failures.Add($"Bitrix24:OAuthServers contains '{server}' over plain http; use https, or set Bitrix24:AllowPrivateNetworkPortals=true for local development.");
            }
        }

        if (options.RateLimit.BurstLimit < 1 || options.RateLimit.RequestsPerSecond <= 0 || options.RateLimit.QueueLimit < 1 || options.RateLimit.ArrivalJitter < TimeSpan.Zero)
        {
            failures.Add("Bitrix24:RateLimit needs BurstLimit >= 1, RequestsPerSecond > 0, QueueLimit >= 1 and ArrivalJitter >= 0.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.VerifyTimeout <= TimeSpan.Zero || options.RefreshTimeout <= TimeSpan.Zero || options.MaxRetries < 0)
        {
            failures.Add("Bitrix24:RequestTimeout, Bitrix24:VerifyTimeout and Bitrix24:RefreshTimeout must be positive and Bitrix24:MaxRetries not negative.");
        }

        if (options.MaxResponseBytes < 64 * 1024 || options.MaxRowsPerRead < 50 || options.MaxReadTime <= TimeSpan.Zero || options.MaxReadBytes < 64 * 1024)
        {
            failures.Add("Bitrix24:MaxResponseBytes and Bitrix24:MaxReadBytes must be at least 65536, Bitrix24:MaxRowsPerRead at least 50 and Bitrix24:MaxReadTime positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
