using B24CallListApp.Bitrix24;
using B24CallListApp.Data;

namespace B24CallListApp.Portals;

/// <summary>
/// Records what a Bitrix24 failure says about an installation. Only portal-wide evidence changes the
/// portal (its subscription lapsed, the portal is gone); a dead refresh token or a refused token
/// belongs to one user, who opens the app again, while everyone else keeps working.
/// </summary>
public sealed class PortalFailures(PortalStore store, ILogger<PortalFailures> logger)
{
    public async Task RecordAsync(AccountKey account, Bitrix24Exception error, CancellationToken ct)
    {
        switch (error)
        {
            case Bitrix24PaymentRequiredException:
                await store.SetStatusAsync(account.MemberId, PortalStatus.PaymentRequired, ct);
                break;
            case Bitrix24PortalDeletedException:
                await store.SetStatusAsync(account.MemberId, PortalStatus.Uninstalled, ct);
                break;
            case Bitrix24ReinstallRequiredException or Bitrix24AppDeletedException or Bitrix24AuthException:
                await store.SetAccountFailureAsync(account, error.Code ?? "auth", ct);
                logger.LogWarning("The tokens of account {Account} stopped working ({Code}); the user must open the app again", account, error.Code);
                break;
        }
    }
}
