using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace B24CallListApp.Bitrix24;

public static class Bitrix24Extensions
{
    /// <summary>
    /// The Bitrix24 client: retries (only for calls safe to repeat) around the per-portal limiter
    /// around the network. No circuit breaker: one failing portal must not cut off the others.
    /// </summary>
    public static IServiceCollection AddBitrix24(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Bitrix24Options>().Bind(configuration.GetSection(Bitrix24Options.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Bitrix24Options>, Bitrix24OptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<Bitrix24Metrics>();
        services.AddSingleton<PortalRateLimiter>();
        services.AddPortalBuckets(configuration);
        services.AddSingleton<PortalAddressPolicy>();
        services.AddSingleton<AccountTokens>();
        services.AddSingleton<Bitrix24OAuthClient>();
        services.AddTransient<PortalLimitHandler>();

        services.AddHttpClient(Bitrix24OAuthClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            // The OAuth server's answers are small; anything larger is refused instead of buffered.
            .ConfigureHttpClient(c => (c.Timeout, c.MaxResponseContentBufferSize) = (Timeout.InfiniteTimeSpan, 1024 * 1024));

        var client = services.AddHttpClient<Bitrix24Client>()
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var handler = new SocketsHttpHandler
                {
                    // A 302 tells us the portal moved; we learn the new domain instead of following it.
                    AllowAutoRedirect = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                };
                if (!provider.GetRequiredService<IOptions<Bitrix24Options>>().Value.AllowPrivateNetworkPortals)
                {
                    // Checked where the socket connects, so a public name resolving to a private address is refused too.
                    handler.ConnectCallback = provider.GetRequiredService<PortalAddressPolicy>().ConnectAsync;
                }

                return handler;
            });
        client.AddResilienceHandler("bitrix24", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<Bitrix24Options>>().Value;
                if (options.MaxRetries == 0)
                {
                    return;
                }

                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    Delay = options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = false,
                    ShouldHandle = ShouldRetryAsync,
                });
            });
        client.AddHttpMessageHandler<PortalLimitHandler>();
        return services;
    }

    /// <summary>Each portal's bucket in this instance, or in Redis when <c>Redis:Configuration</c> is set.</summary>
    static void AddPortalBuckets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<LocalPortalBuckets>();
        var redis = configuration.GetSection(RedisOptions.Section);
        if (string.IsNullOrWhiteSpace(redis[nameof(RedisOptions.Configuration)]))
        {
            services.AddSingleton<IPortalBuckets>(provider => provider.GetRequiredService<LocalPortalBuckets>());
            return;
        }

        services.AddOptions<RedisOptions>().Bind(redis)
            .Validate(o => TryParse(o.Configuration), "Redis:Configuration is not a StackExchange.Redis configuration string (host:port[,option=value...]).")
            .ValidateOnStart();
        services.AddSingleton<RedisPortalBuckets>();
        services.AddSingleton<IPortalBuckets>(provider => provider.GetRequiredService<RedisPortalBuckets>());
        services.AddHealthChecks().AddCheck<SharedRateLimitHealthCheck>("redis");
    }

    static bool TryParse(string? configuration)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(configuration!).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static async ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var request = args.Context.GetRequestMessage();
        if (request is null || !request.Options.TryGetValue(Bitrix24Request.Repeatable, out var repeatable) || !repeatable)
        {
            return false;
        }

        if (args.Outcome.Exception is not null)
        {
            return args.Outcome.Exception is HttpRequestException { InnerException: not PortalAddressRefusedException } or Bitrix24TimeoutException;
        }

        var response = args.Outcome.Result!;
        var status = (int)response.StatusCode;
        if (status < 500 && response.StatusCode != HttpStatusCode.RequestTimeout)
        {
            return false;
        }

        // A deleted portal stays deleted; everything else in the 5xx range may pass.
        var body = await response.Content.ReadAsStringAsync(args.Context.CancellationToken);
        return !body.Contains("PORTAL_DELETED", StringComparison.Ordinal);
    }
}
