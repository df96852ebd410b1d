using System.Net;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Operations;

/// <summary><c>App:WarmUp</c> (default true): walk the app's own paths once at start, before <c>/healthz</c> says it is ready.</summary>
public sealed class WarmUpOptions
{
    public bool WarmUp { get; set; } = true;
}

/// <summary>
/// A just-started instance walks its own paths once before it takes traffic: the database queries a page
/// makes, the token and session protection, and the pages a request renders (over loopback, with a session
/// no portal gave, so nothing reaches a portal). Until it has, <c>/healthz</c> answers 503 "warming up", so
/// a load balancer sends users to it only once their first pages no longer pay for it.
/// </summary>
public sealed class WarmUp(IServer server, IHostApplicationLifetime lifetime, PortalStore portals, IBitrix24TokenStore tokens, PageSessions sessions,
    TokenProtector protector, IOptions<WarmUpOptions> options, ILogger<WarmUp> logger) : BackgroundService, IHealthCheck
{
    readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(_done.Task.IsCompleted ? HealthCheckResult.Healthy("Warmed up.") : HealthCheckResult.Unhealthy("Warming up: the instance takes traffic in a moment."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (options.Value.WarmUp)
            {
                await StartedAsync(stoppingToken);
                var watch = System.Diagnostics.Stopwatch.StartNew();
                await WalkAsync(stoppingToken);
                logger.LogInformation("Warmed up in {Elapsed} ms", watch.ElapsedMilliseconds);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A warm-up is an optimisation: the instance serves without it.
            logger.LogWarning(e, "The warm-up did not finish; serving without it");
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    /// <summary>Waits until the server listens: the walk requests pages over loopback.</summary>
    async Task StartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(ct);
    }

    async Task WalkAsync(CancellationToken ct)
    {
        const string member = "warm-up";
        for (var round = 0; round < 3; round++)
        {
            // The queries every page makes, compiled now rather than on a user's first page.
            await portals.FindAsync(member, ct);
            await portals.FindAccountAsync(new AccountKey(member, 1), ct);
            await portals.WorkingAdminsAsync(member, ct);
            await tokens.GetAsync(new AccountKey(member, 1), ct);
            protector.Unprotect(protector.Protect(member));
            sessions.Read(sessions.Issue(sessions.Start(member, 1, "en")));
        }

        // The pages: a session no portal gave renders the message page through the whole pipeline.
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var root))
        {
            return;
        }

        using var http = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(10) };
        var forged = sessions.Issue(sessions.Start(member, 1, "en"));
        foreach (var path in new[] { "lists", "lists/1", "lists/1/add", "lists/new" })
        {
            for (var round = 0; round < 3; round++)
            {
                using var response = await http.PostAsync(path + "?LANG=" + (round % 2 == 0 ? "en" : "ru"), new FormUrlEncodedContent([new(PageSessions.FieldName, forged)]), ct);
                if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Unauthorized))
                {
                    logger.LogInformation("Warm-up {Path} answered {Status}", path, (int)response.StatusCode);
                }
            }
        }
    }
}
