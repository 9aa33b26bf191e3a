namespace Mailbox.TestKit;

/// <summary>
/// Which kind of loop <see cref="LoopTestKit.Spawn"/> makes: the configuration knob of a test class's sealed leaves, so
/// one abstract class of tests runs on both kinds.
/// </summary>
public enum LoopKind
{
    /// <summary><see cref="LoopActor.Spawn"/>: the loop alone on a thread of its own.</summary>
    Dedicated,

    /// <summary><see cref="LoopGroup.Spawn"/>: the loop pinned to one thread of the test's group, shared with its siblings.</summary>
    Grouped,
}
