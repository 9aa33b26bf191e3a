using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

/// <summary>The README's "Testing your own loop code" example, as written there.</summary>
public sealed class ReadmeReminderTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Reminder_AfterOneMinute_FiresOnTheLoopThread()
    {
        var loop = Spawn(name: "reminders");
        string? firedOn = null;
        loop.CallLater(TimeSpan.FromMinutes(1), () => firedOn = LoopActor.Current?.Name);

        await AdvanceAsync(TimeSpan.FromSeconds(59));
        Assert.Null(firedOn);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("reminders", firedOn);
    }
}
