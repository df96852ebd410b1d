namespace B24CallListApp.Pages;

/// <summary>What pages say, in the portal's language (LANG); English when it is neither en nor ru.</summary>
public static class Texts
{
    static readonly Dictionary<string, (string En, string Ru)> All = new()
    {
        ["AppTitle"] = ("Call lists", "Списки обзвона"),
        ["InstallFinished"] = ("The app is installed. Open it from the portal's menu.", "Приложение установлено. Откройте его из меню портала."),
        ["NotInstalled"] = ("The app is not installed in this portal. Ask a portal administrator to install it from the Bitrix24 Market.", "Приложение не установлено на этом портале. Попросите администратора портала установить его из Маркета Битрикс24."),
        ["Uninstalled"] = ("The app was removed from this portal. Ask a portal administrator to install it again.", "Приложение удалено с этого портала. Попросите администратора портала установить его снова."),
        ["ReinstallRequired"] = ("The app's authorization in this portal has expired. Close and open the app again; if that does not help, ask an administrator to reinstall it.", "Авторизация приложения на этом портале истекла. Закройте и снова откройте приложение; если не поможет, попросите администратора переустановить его."),
        ["PaymentRequired"] = ("The app needs a paid subscription in this portal. Ask a portal administrator to renew the Bitrix24 subscription.", "Для работы приложения нужна оплаченная подписка. Попросите администратора портала продлить подписку Битрикс24."),
        ["AppDeleted"] = ("The app was deleted from this portal. Ask a portal administrator to install it again.", "Приложение удалено с этого портала. Попросите администратора портала установить его снова."),
        ["PortalUnreachable"] = ("Bitrix24 did not answer. Try again in a minute.", "Битрикс24 не ответил. Попробуйте ещё раз через минуту."),
        ["VerificationFailed"] = ("This request could not be verified with Bitrix24. Open the app from your Bitrix24 portal.", "Не удалось проверить запрос в Битрикс24. Откройте приложение из своего портала Битрикс24."),
        ["BadRequest"] = ("The request is incomplete or malformed. Open the app from your Bitrix24 portal.", "Запрос неполный или повреждён. Откройте приложение из своего портала Битрикс24."),
        ["AdminRequired"] = ("Only a portal administrator can install the app.", "Установить приложение может только администратор портала."),
        ["AccessDenied"] = ("Your Bitrix24 permissions do not allow this. Ask a portal administrator for access to CRM.", "Ваши права в Битрикс24 не позволяют это сделать. Попросите администратора портала дать доступ к CRM."),
        ["PortalDeleted"] = ("This Bitrix24 portal no longer exists.", "Этот портал Битрикс24 больше не существует."),
        ["Error"] = ("Something went wrong on our side. Try again in a minute.", "Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту."),
        ["SignedInAs"] = ("Signed in as", "Вы вошли как"),
        ["Portal"] = ("Portal", "Портал"),
        ["YourCallLists"] = ("Your call lists", "Ваши списки обзвона"),
        ["NoCallLists"] = ("There are no call lists yet.", "Списков обзвона пока нет."),
        ["ListId"] = ("List", "Список"),
        ["Type"] = ("Type", "Тип"),
        ["Created"] = ("Created", "Создан"),
        ["Form"] = ("CRM form", "CRM-форма"),
        ["Contacts"] = ("Contacts", "Контакты"),
        ["Companies"] = ("Companies", "Компании"),
        ["None"] = ("none", "нет"),
    };

    public static string Language(string? lang) => string.Equals(lang, "ru", StringComparison.OrdinalIgnoreCase) ? "ru" : "en";

    public static string Get(string key, string? lang) =>
        All.TryGetValue(key, out var text) ? (Language(lang) == "ru" ? text.Ru : text.En) : key;
}
