using B24CallListApp.Bitrix24;
using B24CallListApp.Data;

namespace B24CallListApp.Portals;

/// <summary>A page's session, checked: its portal is installed and active, and its user's tokens work.</summary>
public sealed record AppSession(PageSession Session, PortalRecord Portal, Bitrix24Account Account, bool Admin)
{
    /// <summary>The portal's web origin: the only one allowed to frame the session's pages.</summary>
    public string PortalOrigin => Account.ClientEndpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>Who the page's calls act as.</summary>
    public Actor Actor => new(Portal, Account, Admin);
}

/// <summary>Who a call to a portal acts as: a user's account there, and whether the app holds them for an administrator (asked again before it is relied on).</summary>
public sealed record Actor(PortalRecord Portal, Bitrix24Account Account, bool Admin)
{
    public string MemberId => Portal.MemberId;

    public long UserId => Account.Key.UserId;
}

/// <summary>Why a session cannot be used: an HTTP status and the key of the sentence that tells the user what to do.</summary>
public sealed record SessionRefusal(int Status, string TextKey);

/// <summary>Turns the session a page presents into the portal and account its requests act as, or says why not.</summary>
public sealed class SessionResolver(PageSessions sessions, PortalStore store)
{
    public async Task<(AppSession? Session, SessionRefusal? Refusal)> ResolveAsync(string? token, CancellationToken ct)
    {
        var session = sessions.Read(token);
        if (session is null)
        {
            return (null, new(StatusCodes.Status401Unauthorized, "SessionExpired"));
        }

        var portal = await store.FindAsync(session.MemberId, ct);
        SessionRefusal? refusal = portal?.Status switch
        {
            null or PortalStatus.Uninstalled => new(StatusCodes.Status404NotFound, "Uninstalled"),
            PortalStatus.PaymentRequired => new(StatusCodes.Status402PaymentRequired, "PaymentRequired"),
            PortalStatus.AppDeleted => new(StatusCodes.Status410Gone, "AppDeleted"),
            PortalStatus.Active => null,
            _ => new(StatusCodes.Status401Unauthorized, "ReinstallRequired"),
        };
        if (refusal is not null)
        {
            return (null, refusal);
        }

        var key = new AccountKey(session.MemberId, session.UserId);
        var account = await store.FindAccountAsync(key, ct);
        if (account is null)
        {
            return (null, new(StatusCodes.Status401Unauthorized, "SessionExpired"));
        }

        if (account.Failure is { } failure)
        {
            // This user's tokens are dead until they open the app again; nobody else is affected.
            return (null, failure == "wrong_client" ? new(StatusCodes.Status410Gone, "AppDeleted") : new(StatusCodes.Status401Unauthorized, "ReinstallRequired"));
        }

        return (new AppSession(session, portal!, PortalStore.AccountOf(portal!, session.UserId), account.Admin), null);
    }
}
