using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Pages;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

/// <summary><c>POST /install</c> and <c>POST /events</c>: how a portal installs, updates and removes the app.</summary>
public static class PortalEndpoints
{
    public static readonly string[] Placements = ["CRM_CONTACT_LIST_MENU", "CRM_COMPANY_LIST_MENU"];

    public static IServiceCollection AddPortals(this IServiceCollection services)
    {
        services.AddSingleton<TokenProtector>();
        services.AddSingleton<IBitrix24TokenStore, DbTokenStore>();
        services.AddSingleton<PortalVerifier>();
        services.AddSingleton<PageSessions>();
        services.AddSingleton<Installations>();
        services.AddSingleton<IBitrix24PortalStore>(sp => sp.GetRequiredService<Installations>());
        return services;
    }

    public static void MapPortals(this IEndpointRouteBuilder app)
    {
        app.MapPost("/install", Install).DisableAntiforgery();
        app.MapPost("/events", Events).DisableAntiforgery();
    }

    /// <summary>Reads a form body; null when the request is not a well-formed form.</summary>
    internal static async Task<IFormCollection?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null;
        }
    }

    internal static AuthToken TokenFrom(string accessToken, string? refreshToken, string? expiresIn, TimeProvider time)
    {
        // AUTH_EXPIRES is a duration in seconds, not a timestamp.
        var seconds = int.TryParse(expiresIn, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? Math.Clamp(s, 60, 86_400) : 3600;
        return new AuthToken(accessToken, refreshToken ?? "", time.GetUtcNow().AddSeconds(seconds));
    }

    internal static string PortalOrigin(VerifiedPortal verified) =>
        verified.Info.ClientEndpoint.GetLeftPart(UriPartial.Authority);

    internal static IResult Refused(HttpContext context, string lang, VerificationFailure failure) => failure switch
    {
        VerificationFailure.MissingFields => Html.Message(context, 400, lang, "BadRequest"),
        VerificationFailure.OAuthServerUnreachable => Html.Message(context, 503, lang, "PortalUnreachable"),
        _ => Html.Message(context, 403, lang, "VerificationFailed"),
    };

    /// <summary>What a user sees when Bitrix24 refuses: the reason and what to do, never the exception.</summary>
    internal static async Task<IResult> FailureAsync(HttpContext context, Installations installations, string memberId, string lang, string? origin, Bitrix24Exception error)
    {
        var (status, textKey) = await installations.RecordFailureAsync(memberId, error, context.RequestAborted);
        return Html.Message(context, status, lang, textKey, origin);
    }

    static async Task<IResult> Install(HttpContext context, PortalVerifier verifier, Installations installations, Bitrix24Client client,
        IOptions<Bitrix24Options> options, IConfiguration configuration, TimeProvider time, ILogger<Installations> logger, CancellationToken ct)
    {
        var lang = Texts.Language(context.Request.Query["LANG"]);
        var form = await ReadFormAsync(context.Request, ct);
        if (form is null)
        {
            return Html.Message(context, context.Request.HasFormContentType ? 400 : 415, lang, "BadRequest");
        }

        if (string.Equals(form["event"], "ONAPPINSTALL", StringComparison.OrdinalIgnoreCase))
        {
            return await OnAppInstallAsync(form, verifier, installations, time, ct);
        }

        var (verified, failure) = await verifier.VerifyAsync(form["AUTH_ID"], form["member_id"], context.Request.Query["DOMAIN"], form["SERVER_ENDPOINT"], ct);
        if (verified is null)
        {
            return Refused(context, lang, failure!.Value);
        }

        var origin = PortalOrigin(verified);
        if (string.IsNullOrEmpty(form["REFRESH_ID"]))
        {
            return Html.Message(context, 400, lang, "BadRequest", origin);
        }

        var token = TokenFrom(form["AUTH_ID"]!, form["REFRESH_ID"], form["AUTH_EXPIRES"], time);
        // Installing until the portal confirms: the install event, or the first open after BX24.installFinish().
        var portal = await installations.SaveAsync(verified, token, form["APPLICATION_TOKEN"], admin: null, PortalStatus.Installing, lang, ct);
        var account = Installations.AccountOf(portal, verified.Info.UserId);
        try
        {
            var (admin, _) = await installations.ReadProfileAsync(client, account, ct);
            if (admin)
            {
                await BindPlacementsAsync(client, account, PublicUrl(context, configuration), lang, logger, ct);
            }
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Install in portal {MemberId} could not finish: {Code}", portal.MemberId, e.Code);
            return await FailureAsync(context, installations, portal.MemberId, lang, origin, e);
        }

        logger.LogInformation("Installed in portal {MemberId} ({Domain})", portal.MemberId, portal.Domain);
        return Html.Page(context, 200, lang, Texts.Get("AppTitle", lang),
            $"<h1>{Html.Encode(Texts.Get("AppTitle", lang))}</h1><p role=\"status\" data-message=\"InstallFinished\">{Html.Encode(Texts.Get("InstallFinished", lang))}</p><script src=\"/install.js\"></script>",
            origin, options.Value.JsSdkUrl);
    }

    static async Task BindPlacementsAsync(Bitrix24Client client, Bitrix24Account account, string publicUrl, string lang, ILogger logger, CancellationToken ct)
    {
        foreach (var placement in Placements)
        {
            try
            {
                await client.CallAsync(account, "placement.bind", new { PLACEMENT = placement, HANDLER = publicUrl, TITLE = Texts.Get("AppTitle", lang) }, ct);
            }
            catch (Bitrix24ApiException e) when (e.Code?.Contains("ALREADY", StringComparison.OrdinalIgnoreCase) == true)
            {
                // A reinstall finds its placements bound already.
            }
            catch (Bitrix24ApiException e)
            {
                logger.LogWarning("Could not bind placement {Placement} in portal {MemberId}: {Code}", placement, account.Key.MemberId, e.Code);
            }
        }
    }

    /// <summary>The app's public base URL: App:PublicUrl, else what the request (and known proxies) say.</summary>
    internal static string PublicUrl(HttpContext context, IConfiguration configuration) =>
        configuration["App:PublicUrl"] is { Length: > 0 } configured
            ? configured.TrimEnd('/') + "/"
            : $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";

    static async Task<IResult> OnAppInstallAsync(IFormCollection form, PortalVerifier verifier, Installations installations, TimeProvider time, CancellationToken ct)
    {
        var (verified, failure) = await verifier.VerifyAsync(form["auth[access_token]"], form["auth[member_id]"], form["auth[domain]"], form["auth[server_endpoint]"], ct);
        if (verified is null)
        {
            return EventAnswer(failure == VerificationFailure.MissingFields ? 400 : failure == VerificationFailure.OAuthServerUnreachable ? 503 : 401, failure.ToString()!);
        }

        var token = TokenFrom(form["auth[access_token]"]!, form["auth[refresh_token]"], form["auth[expires_in]"], time);
        await installations.SaveAsync(verified, token, form["auth[application_token]"], admin: null, PortalStatus.Active, form["data[LANGUAGE_ID]"], ct);
        return EventAnswer(200, "installed");
    }

    static IResult EventAnswer(int status, string message) =>
        Results.Json(status == 200 ? new { result = message } : (object)new { error = message }, statusCode: status);

    static async Task<IResult> Events(HttpContext context, PortalVerifier verifier, Installations installations, TimeProvider time, ILogger<Installations> logger, CancellationToken ct)
    {
        var form = await ReadFormAsync(context.Request, ct);
        if (form is null)
        {
            return EventAnswer(context.Request.HasFormContentType ? 400 : 415, "the event must be a well-formed form body");
        }

        var memberId = form["auth[member_id]"].ToString();
        var applicationToken = form["auth[application_token]"].ToString();
        switch (form["event"].ToString().ToUpperInvariant())
        {
            case "ONAPPINSTALL":
                return await OnAppInstallAsync(form, verifier, installations, time, ct);

            case "ONAPPUPDATE":
                {
                    var portal = memberId.Length == 0 ? null : await installations.FindAsync(memberId, ct);
                    if (portal is null)
                    {
                        return EventAnswer(200, "unknown portal");
                    }

                    var (verified, failure) = await verifier.VerifyAsync(form["auth[access_token]"], memberId, form["auth[domain]"], form["auth[server_endpoint]"], ct);
                    if (verified is null)
                    {
                        return EventAnswer(401, failure.ToString()!);
                    }

                    var token = TokenFrom(form["auth[access_token]"]!, form["auth[refresh_token]"], form["auth[expires_in]"], time);
                    await installations.SaveAsync(verified, token, applicationToken, admin: null, PortalStatus.Active, form["data[LANGUAGE_ID]"], ct);
                    return EventAnswer(200, "updated");
                }

            case "ONAPPUNINSTALL":
                {
                    var portal = memberId.Length == 0 ? null : await installations.FindAsync(memberId, ct);
                    if (portal is null)
                    {
                        return EventAnswer(200, "unknown portal");
                    }

                    // The stored application_token is the only proof an uninstall is genuine.
                    if (!installations.ApplicationTokenMatches(portal, applicationToken))
                    {
                        logger.LogWarning("Refused ONAPPUNINSTALL for portal {MemberId}: application_token mismatch", memberId);
                        return EventAnswer(401, "application_token mismatch");
                    }

                    var clean = form["data[CLEAN]"] == "1";
                    await installations.UninstallAsync(memberId, clean, ct);
                    logger.LogInformation("Uninstalled from portal {MemberId} (clean: {Clean})", memberId, clean);
                    return EventAnswer(200, "uninstalled");
                }

            default:
                return EventAnswer(400, "unknown event");
        }
    }
}
