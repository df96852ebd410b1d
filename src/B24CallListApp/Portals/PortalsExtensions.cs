using System.Threading.RateLimiting;
using B24CallListApp.Bitrix24;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

public static class PortalsExtensions
{
    /// <summary>The rate-limiting policy of every endpoint a portal POSTs to.</summary>
    public const string PortalPostsPolicy = "portal-posts";

    /// <summary>The same per-address budget for <c>/events</c>, kept apart from the opens'.</summary>
    public const string PortalEventsPolicy = "portal-events";

    public static IServiceCollection AddPortals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PortalPostOptions>().Bind(configuration.GetSection(PortalPostOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalPostOptions>, PortalPostOptionsValidator>();
        services.AddOptions<AppOptions>().Bind(configuration.GetSection(AppOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AppOptions>, AppOptionsValidator>();

        services.AddSingleton<TokenProtector>();
        services.AddSingleton<IBitrix24TokenStore, DbTokenStore>();
        services.AddSingleton<PortalStore>();
        services.AddSingleton<IBitrix24PortalStore>(sp => sp.GetRequiredService<PortalStore>());
        services.AddSingleton<PortalFailures>();
        services.AddSingleton<PortalVerifier>();
        services.AddSingleton<PortalSignIn>();
        services.AddSingleton<Installer>();
        services.AddSingleton<PageSessions>();
        services.AddSingleton<FormTokens>();
        services.AddSingleton<SessionResolver>();
        services.AddSingleton<PortalMetrics>();

        // Anyone can POST to the portal endpoints, and each POST costs an OAuth server call: each
        // client address gets its own budget, so one flood does not starve everyone else's opens.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Events have a budget of their own: a flood of page opens from an address cannot starve installs.
            limiter.AddPolicy(PortalPostsPolicy, PerClientAddress);
            limiter.AddPolicy(PortalEventsPolicy, PerClientAddress);
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }

    public static void MapPortals(this IEndpointRouteBuilder app) =>
        app.MapEvents().RequireRateLimiting(PortalEventsPolicy);

    static RateLimitPartition<string> PerClientAddress(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<PortalPostOptions>>().Value;
        return RateLimitPartition.GetTokenBucketLimiter(ClientPartition(context.Connection.RemoteIpAddress), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.PerAddressBurst,
            TokensPerPeriod = options.PerAddressPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>
    /// The client's budget key: its IPv4 address, or its IPv6 /64 (one subscriber's network: a host can
    /// take a new address in it for every request). The address is the real client's behind known proxies.
    /// </summary>
    public static string ClientPartition(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>Says at start, in Production, which settings leave tokens or placements less safe than they should be.</summary>
    public static void WarnAboutUnsafeSettings(this WebApplication app)
    {
        if (!app.Environment.IsProduction())
        {
            return;
        }

        if (!app.Services.GetRequiredService<IOptions<Data.KeyRingOptions>>().Value.IsProtected)
        {
            app.Logger.LogWarning("The Data Protection key ring is kept unencrypted in the database beside the tokens it protects: a copy of the database reads every token. " +
                "Set DataProtection:KeysPath (a folder kept apart from the database) or DataProtection:CertificatePath (a certificate that encrypts the keys).");
        }

        if (app.Services.GetRequiredService<IOptions<AppOptions>>().Value.PublicBase is null && app.Configuration["AllowedHosts"] is null or "*")
        {
            app.Logger.LogWarning("App:PublicUrl is not set and AllowedHosts accepts any host: placement handler URLs are taken from the Host header of the installer's request. " +
                "Set App:PublicUrl to the app's public address.");
        }
    }
}
