//! The watch desk: watch actions (add, pause, resume, a list's policy, a checkpoint) sent to the task that owns the archive,
//! so another task (the web UI) never holds the observer while it reads. The running observer
//! answers them between batches ([`Observer::run_with`]); an idle one answers them in
//! [`Observer::attend`].

use tokio::sync::{mpsc, oneshot};

use crate::{Observer, ObserverError, WatchOutcome};

/// One watch action and where its answer goes.
#[derive(Debug)]
pub enum WatchCommand {
    /// [`Observer::watch`]: archived as a watch record, then queued.
    Watch {
        /// URLs or ids.
        inputs: Vec<String>,
        /// The watchlist.
        list: String,
        /// The policy (default: the list's).
        policy: Option<String>,
        /// Whether the inputs are seeds (their children are watched too).
        seed: bool,
        /// The outcomes, or why nothing was done.
        reply: oneshot::Sender<Result<Vec<WatchOutcome>, ObserverError>>,
    },
    /// Pauses (or resumes) items.
    Pause {
        /// The items.
        item_ids: Vec<i64>,
        /// Pause (true) or resume (false).
        paused: bool,
        /// Done, or why not.
        reply: oneshot::Sender<Result<(), ObserverError>>,
    },
    /// Sets a list's policy ([`Observer::set_list_policy`]).
    ListPolicy {
        /// The watchlist.
        list: String,
        /// `default`, `hot`, `daily` or a policy of annals.toml.
        policy: String,
        /// How many of the list's items now follow it, or why nothing was done.
        reply: oneshot::Sender<Result<u64, ObserverError>>,
    },
    /// Signs a checkpoint now, so that what a reader exports next is covered by it.
    Checkpoint {
        /// Done, or why not.
        reply: oneshot::Sender<Result<(), ObserverError>>,
    },
}

/// The sending side of a watch desk, cheap to clone.
#[derive(Debug, Clone)]
pub struct WatchDesk {
    tx: mpsc::Sender<WatchCommand>,
}

/// Watch actions waiting for the observer.
pub type WatchQueue = mpsc::Receiver<WatchCommand>;

fn gone() -> ObserverError {
    ObserverError::Other("the observer has stopped".into())
}

impl WatchDesk {
    /// A desk and the queue the observer answers.
    pub fn new() -> (WatchDesk, WatchQueue) {
        let (tx, rx) = mpsc::channel(64);
        (WatchDesk { tx }, rx)
    }

    /// Asks the observer to watch `inputs` and waits for the outcomes.
    pub async fn watch(
        &self,
        inputs: Vec<String>,
        list: String,
        policy: Option<String>,
        seed: bool,
    ) -> Result<Vec<WatchOutcome>, ObserverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(WatchCommand::Watch {
                inputs,
                list,
                policy,
                seed,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Asks the observer to set `list`'s policy (archived as a control record, as `watch add`
    /// is); answers how many of the list's items now follow it.
    pub async fn set_list_policy(
        &self,
        list: String,
        policy: String,
    ) -> Result<u64, ObserverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(WatchCommand::ListPolicy {
                list,
                policy,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Asks the observer to sign a checkpoint now (the archive's readers cannot).
    pub async fn checkpoint(&self) -> Result<(), ObserverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(WatchCommand::Checkpoint { reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Asks the observer to pause (or resume) items and waits until it is done.
    pub async fn set_paused(&self, item_ids: Vec<i64>, paused: bool) -> Result<(), ObserverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(WatchCommand::Pause {
                item_ids,
                paused,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

impl Observer {
    /// Carries out one watch action and sends its answer (a caller that gave up is ignored).
    /// Returns what was added, for the run's counters.
    pub async fn answer(&mut self, cmd: WatchCommand) -> u64 {
        match cmd {
            WatchCommand::Watch {
                inputs,
                list,
                policy,
                seed,
                reply,
            } => {
                let r = self.watch(&inputs, &list, policy.as_deref(), seed).await;
                let added = r
                    .as_ref()
                    .map_or(0, |o| o.iter().filter(|o| o.added).count() as u64);
                let _ = reply.send(r);
                added
            }
            WatchCommand::Pause {
                item_ids,
                paused,
                reply,
            } => {
                // Archived as a control record, as `watch add` is: `annals reindex` restores it.
                let r = self.set_paused(&item_ids, paused).await.map(|_| ());
                let _ = reply.send(r);
                0
            }
            WatchCommand::ListPolicy {
                list,
                policy,
                reply,
            } => {
                let r = self.set_list_policy(&list, &policy).await;
                let _ = reply.send(r);
                0
            }
            WatchCommand::Checkpoint { reply } => {
                let r = self
                    .archive
                    .checkpoint()
                    .await
                    .map(|_| ())
                    .map_err(ObserverError::from);
                let _ = reply.send(r);
                0
            }
        }
    }

    /// Answers watch actions until every [`WatchDesk`] is dropped (an observer that is not
    /// running: `annals serve`).
    pub async fn attend(&mut self, mut queue: WatchQueue) {
        while let Some(cmd) = queue.recv().await {
            self.answer(cmd).await;
        }
    }
}
