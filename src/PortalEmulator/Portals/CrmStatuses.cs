namespace PortalEmulator.Portals;

/// <summary>
/// A portal's reference lists (<c>crm.status.list</c> by <c>ENTITY_ID</c>): contact types, sources and
/// company types as a new Bitrix24 portal has them, named in the portal's language.
/// </summary>
public static class CrmStatuses
{
    public sealed record Status(string EntityId, string StatusId, string English, string Russian, int Sort);

    public static IReadOnlyList<Status> All { get; } =
    [
        new("CONTACT_TYPE", "CLIENT", "Clients", "Клиенты", 10),
        new("CONTACT_TYPE", "SUPPLIER", "Suppliers", "Поставщики", 20),
        new("CONTACT_TYPE", "PARTNER", "Partners", "Партнеры", 30),
        new("CONTACT_TYPE", "OTHER", "Other", "Другое", 40),
        new("SOURCE", "CALL", "Call", "Звонок", 10),
        new("SOURCE", "EMAIL", "E-Mail", "Электронная почта", 20),
        new("SOURCE", "WEB", "Website", "Веб-сайт", 30),
        new("SOURCE", "ADVERTISING", "Advertising", "Реклама", 40),
        new("SOURCE", "PARTNER", "Existing client", "Существующий клиент", 50),
        new("SOURCE", "RECOMMENDATION", "By recommendation", "По рекомендации", 60),
        new("SOURCE", "TRADE_SHOW", "Show/Exhibition", "Выставка", 70),
        new("SOURCE", "WEBFORM", "CRM form", "CRM-форма", 80),
        new("SOURCE", "CALLBACK", "Callback", "Обратный звонок", 90),
        new("SOURCE", "OTHER", "Other", "Другое", 100),
        new("COMPANY_TYPE", "CUSTOMER", "Client", "Клиент", 10),
        new("COMPANY_TYPE", "SUPPLIER", "Supplier", "Поставщик", 20),
        new("COMPANY_TYPE", "COMPETITOR", "Competitor", "Конкурент", 30),
        new("COMPANY_TYPE", "PARTNER", "Partner", "Партнер", 40),
        new("COMPANY_TYPE", "OTHER", "Other", "Другое", 50),
    ];

    public static string[] Ids(string entityId) => All.Where(s => s.EntityId == entityId).Select(s => s.StatusId).ToArray();

    public static string Name(Status status, string language) => language == "ru" ? status.Russian : status.English;
}
