namespace TestingYourLoops;

/// <summary>Where reminders go: a mail or push gateway in an app, a recording fake in the tests. Called on the loop's thread.</summary>
public interface IReminderSink
{
    /// <summary>Delivers a reminder; false if the gateway refused it this time (the service retries).</summary>
    bool TryDeliver(string text);

    /// <summary>The periodic digest: how many reminders are still waiting.</summary>
    void Digest(int pending);
}
