using Akka.Configuration;
using Xunit.Abstractions;

namespace Mailbox.Tests.TestKit;

/// <summary>A kit whose actor system takes the test's HOCON: for loops that live behind Akka.NET actors.</summary>
public sealed class ConfiguredKitTests(ITestOutputHelper output)
    : LoopTestKit(ConfigurationFactory.ParseString("mailbox-testkit.marker = configured"), output)
{
    [Fact]
    public async Task Constructor_WithConfig_TheActorSystemHasItAndLoopsStillRunOnTheKitsClock()
    {
        Assert.Equal("configured", Sys.Settings.Config.GetString("mailbox-testkit.marker"));
        var loop = Spawn();
        int fired = 0;
        loop.CallLater(TimeSpan.FromSeconds(1), () => fired++);

        await AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(1, Volatile.Read(ref fired));
    }
}
