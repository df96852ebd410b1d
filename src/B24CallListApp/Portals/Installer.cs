using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

public enum InstallOutcome
{
    Installed,
    Refused,
    AdminRequired,
    Failed,
}

/// <summary>What came of the installer page's POST, for the page to say.</summary>
public sealed record InstallResult(InstallOutcome Outcome, VerifiedPortal? Portal = null, VerificationFailure? Failure = null, Bitrix24Exception? Error = null);

public enum EventOutcome
{
    Accepted,

    /// <summary>Not verified, not this app's, or about a portal we do not know: every such case answers alike.</summary>
    Refused,

    /// <summary>The OAuth server could not be asked; Bitrix24 may send the event again.</summary>
    Unavailable,
}

/// <summary>
/// Installs, updates and removes the app in a portal. Who may change an installation: the portal's
/// first install, or an administrator's verified request (the portal's own <c>profile</c> says
/// <c>ADMIN</c>), or a request carrying the stored application token. A genuine token proves who a
/// user is, not that they may change the installation.
/// </summary>
public sealed class Installer(PortalVerifier verifier, PortalStore store, Bitrix24Client client, PortalFailures failures,
    IOptions<AppOptions> appOptions, TimeProvider time, ILogger<Installer> logger)
{
    public static readonly string[] Placements = ["CRM_CONTACT_LIST_MENU", "CRM_COMPANY_LIST_MENU"];

    /// <summary>The installer page: only a portal administrator installs; until then nothing is stored.</summary>
    public async Task<InstallResult> InstallAsync(FramePost post, Uri requestBase, string placementTitle, CancellationToken ct)
    {
        var (verified, failure) = await verifier.VerifyAsync(post.AuthId, post.MemberId, post.Domain, post.ServerEndpoint, ct);
        if (verified is null)
        {
            return new(InstallOutcome.Refused, Failure: failure);
        }

        if (post.RefreshId is null)
        {
            return new(InstallOutcome.Refused, verified, VerificationFailure.MissingFields);
        }

        bool admin;
        try
        {
            admin = await IsAdminAsync(verified, post.AuthId, ct);
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Install in portal {MemberId} could not ask who installs: {Code}", verified.Info.MemberId, e.Code);
            return new(InstallOutcome.Failed, verified, Error: e);
        }

        if (!admin)
        {
            logger.LogWarning("Refused an install of portal {MemberId} by user {UserId}, who is not an administrator", verified.Info.MemberId, verified.Info.UserId);
            return new(InstallOutcome.AdminRequired, verified);
        }

        // Installing until the portal confirms: the install event, or the first open after installFinish().
        var grant = new AccountGrant(verified.Info.UserId, post.AuthId, post.RefreshId, time.GetUtcNow().AddSeconds(post.ExpiresIn), Admin: true);
        var portal = await store.SaveAsync(verified, grant, new PortalChange(PortalStatus.Installing, post.Language, post.ApplicationToken), ct);
        var account = PortalStore.AccountOf(portal, verified.Info.UserId);
        try
        {
            await BindPlacementsAsync(account, new Uri(appOptions.Value.PublicBase ?? requestBase, "/"), placementTitle, ct);
        }
        catch (Bitrix24Exception e)
        {
            await failures.RecordAsync(account.Key, e, ct);
            return new(InstallOutcome.Failed, verified, Error: e);
        }

        logger.LogInformation("Installed in portal {MemberId} ({Domain}) by user {UserId}", portal.MemberId, portal.Domain, verified.Info.UserId);
        return new(InstallOutcome.Installed, verified);
    }

    async Task BindPlacementsAsync(Bitrix24Account account, Uri handler, string title, CancellationToken ct)
    {
        foreach (var placement in Placements)
        {
            try
            {
                await client.CallAsync(account, new PlacementBind(placement, handler, title), ct);
            }
            catch (Bitrix24ApiException e) when (e.Code?.Contains("ALREADY", StringComparison.OrdinalIgnoreCase) == true)
            {
                // A reinstall finds its placements bound already.
            }
            catch (Bitrix24ApiException e) when (e is not Bitrix24AuthException)
            {
                logger.LogWarning("Could not bind placement {Placement} in portal {MemberId}: {Code}", placement, account.Key.MemberId, e.Code);
            }
        }
    }

    /// <summary>Asks the portal, with the request's own verified token, whether its user is an administrator.</summary>
    async Task<bool> IsAdminAsync(VerifiedPortal verified, string accessToken, CancellationToken ct)
    {
        var profile = await client.CallWithAccessTokenAsync(verified.Info.ClientEndpoint, verified.Info.MemberId, accessToken, new Profile(), ct);
        return Profile.Read(profile.Result).Admin;
    }

    async Task<bool> IsAdminOrFalseAsync(VerifiedPortal verified, string accessToken, CancellationToken ct)
    {
        try
        {
            return await IsAdminAsync(verified, accessToken, ct);
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Could not ask portal {MemberId} whether user {UserId} is an administrator: {Code}", verified.Info.MemberId, verified.Info.UserId, e.Code);
            return false;
        }
    }

    public Task<EventOutcome> HandleAsync(AppEvent appEvent, CancellationToken ct) => appEvent.Name switch
    {
        AppEvent.Install => OnInstallAsync(appEvent, ct),
        AppEvent.Update => OnUpdateAsync(appEvent, ct),
        _ => OnUninstallAsync(appEvent, ct),
    };

    /// <summary>
    /// <c>ONAPPINSTALL</c> may arrive late or twice. It sets the application token on the portal's first
    /// install, or when an administrator's token brings it; otherwise it must bring the stored one.
    /// </summary>
    async Task<EventOutcome> OnInstallAsync(AppEvent appEvent, CancellationToken ct)
    {
        if (appEvent.AccessToken is null)
        {
            return Refused(appEvent, "no access token");
        }

        var (verified, failure) = await verifier.VerifyAsync(appEvent.AccessToken, appEvent.MemberId, appEvent.Domain, appEvent.ServerEndpoint, ct);
        if (verified is null)
        {
            return failure is VerificationFailure.OAuthServerUnreachable or VerificationFailure.Busy ? EventOutcome.Unavailable : Refused(appEvent, failure.ToString());
        }

        var existing = await store.FindAsync(appEvent.MemberId, ct);
        var firstInstall = existing?.ProtectedApplicationToken is null;
        var admin = await IsAdminOrFalseAsync(verified, appEvent.AccessToken, ct);
        if (!firstInstall && !admin && !store.ApplicationTokenMatches(existing!, appEvent.ApplicationToken))
        {
            return Refused(appEvent, "a non-administrator's token with another application token");
        }

        var grant = new AccountGrant(verified.Info.UserId, appEvent.AccessToken, appEvent.RefreshToken, time.GetUtcNow().AddSeconds(appEvent.ExpiresIn), admin ? true : null);
        await store.SaveAsync(verified, grant, new PortalChange(PortalStatus.Active, appEvent.Language, appEvent.ApplicationToken), ct);
        logger.LogInformation("Installed in portal {MemberId} by the install event", appEvent.MemberId);
        return EventOutcome.Accepted;
    }

    /// <summary>
    /// <c>ONAPPUPDATE</c> carries tokens only when it is tied to a user. A new application token is
    /// taken only with an administrator's verified token; without tokens the event must bring the
    /// stored application token, and the stored pairs are kept as they are.
    /// </summary>
    async Task<EventOutcome> OnUpdateAsync(AppEvent appEvent, CancellationToken ct)
    {
        var existing = await store.FindAsync(appEvent.MemberId, ct);
        if (existing is null)
        {
            return Refused(appEvent, "unknown portal");
        }

        var tokenMatches = store.ApplicationTokenMatches(existing, appEvent.ApplicationToken);
        if (appEvent.AccessToken is null)
        {
            if (!tokenMatches)
            {
                return Refused(appEvent, "no access token and another application token");
            }

            logger.LogInformation("Portal {MemberId} updated the app", appEvent.MemberId);
            return EventOutcome.Accepted;
        }

        var (verified, failure) = await verifier.VerifyAsync(appEvent.AccessToken, appEvent.MemberId, appEvent.Domain, appEvent.ServerEndpoint, ct);
        if (verified is null)
        {
            return failure is VerificationFailure.OAuthServerUnreachable or VerificationFailure.Busy ? EventOutcome.Unavailable : Refused(appEvent, failure.ToString());
        }

        var admin = await IsAdminOrFalseAsync(verified, appEvent.AccessToken, ct);
        if (!admin && !tokenMatches)
        {
            return Refused(appEvent, "a non-administrator's token with another application token");
        }

        var grant = new AccountGrant(verified.Info.UserId, appEvent.AccessToken, appEvent.RefreshToken, time.GetUtcNow().AddSeconds(appEvent.ExpiresIn), admin ? true : null);
        var status = existing.Status is PortalStatus.Installing ? PortalStatus.Active : (PortalStatus?)null;
        await store.SaveAsync(verified, grant, new PortalChange(status, appEvent.Language, admin ? appEvent.ApplicationToken : null), ct);
        logger.LogInformation("Portal {MemberId} updated the app", appEvent.MemberId);
        return EventOutcome.Accepted;
    }

    /// <summary>
    /// <c>ONAPPUNINSTALL</c>: the stored application token, compared in constant time, is the proof.
    /// Before anything is deleted the portal is asked once more: Bitrix24 revokes an app's tokens when
    /// it removes the app, so tokens that still work mean the event is not genuine. When the portal
    /// cannot be asked (no tokens, no answer), the application token alone decides.
    /// </summary>
    async Task<EventOutcome> OnUninstallAsync(AppEvent appEvent, CancellationToken ct)
    {
        var existing = await store.FindAsync(appEvent.MemberId, ct);
        if (existing is null || !store.ApplicationTokenMatches(existing, appEvent.ApplicationToken))
        {
            return Refused(appEvent, existing is null ? "unknown portal" : "application_token mismatch");
        }

        var removal = await ConfirmRemovedAsync(existing, ct);
        if (removal == Removal.StillInstalled)
        {
            logger.LogWarning("Refused ONAPPUNINSTALL for portal {MemberId}: the app's tokens still work in the portal", appEvent.MemberId);
            return EventOutcome.Refused;
        }

        await store.UninstallAsync(appEvent.MemberId, appEvent.Clean, ct);
        logger.LogInformation("Uninstalled from portal {MemberId} (clean: {Clean}; removal {Removal})", appEvent.MemberId, appEvent.Clean, removal);
        return EventOutcome.Accepted;
    }

    enum Removal
    {
        Confirmed,
        StillInstalled,
        CannotCheck,
    }

    async Task<Removal> ConfirmRemovedAsync(PortalRecord portal, CancellationToken ct)
    {
        foreach (var userId in (await store.AccountsAsync(portal.MemberId, ct)).Take(3))
        {
            try
            {
                await client.CallAsync(PortalStore.AccountOf(portal, userId), new AppInfo(), ct);
                return Removal.StillInstalled;
            }
            catch (Bitrix24Exception e) when (e is Bitrix24AuthException or Bitrix24AppDeletedException or Bitrix24ReinstallRequiredException or Bitrix24PortalDeletedException)
            {
                return Removal.Confirmed;
            }
            catch (Bitrix24PaymentRequiredException)
            {
                // An unpaid app is still installed.
                return Removal.StillInstalled;
            }
            catch (Bitrix24Exception e)
            {
                logger.LogWarning("Could not ask portal {MemberId} whether the app was removed: {Code}", portal.MemberId, e.Code);
            }
        }

        return Removal.CannotCheck;
    }

    EventOutcome Refused(AppEvent appEvent, string? why)
    {
        logger.LogWarning("Refused {Event} for portal {MemberId}: {Reason}", appEvent.Name, appEvent.MemberId, why);
        return EventOutcome.Refused;
    }
}
