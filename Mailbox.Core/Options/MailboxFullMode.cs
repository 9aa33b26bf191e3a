namespace Mailbox;

/// <summary>What a send does when a bounded mailbox (<see cref="LoopOptions.MailboxCapacity"/>) is full.</summary>
public enum MailboxFullMode
{
    /// <summary><see cref="LoopActor.PostAsync"/> waits for room; the synchronous <see cref="LoopActor.Post(Action)"/> throws <see cref="MailboxFullException"/>.</summary>
    Wait = 0,

    /// <summary>Every send fails at once: <see cref="LoopActor.TryPost"/> returns false, <see cref="LoopActor.Post(Action)"/> throws and <see cref="LoopActor.PostAsync"/> faults with <see cref="MailboxFullException"/>.</summary>
    Reject = 1,
}
