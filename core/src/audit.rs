//! The tamper-evident business record (R-UNDO-1, issue 13): every version
//! of every business item is a link of its unit's hash chain.
//!
//! A link names the item and the SHA-256 of the item's canonical content
//! as stored (see [`crate::canonical::canonical_json`]); its own hash
//! covers the chain, its sequence number, the item, that content hash and
//! the previous link's hash. An item changed by the application (a status,
//! its after-values) gets a new link, so the latest link of each item must
//! match the item as it is now. Walking a chain ([`verify_chain`]) names
//! the first link or item that does not fit: a row changed, removed or
//! added by hand, or a link altered or cut off.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

/// The previous hash of a chain's first link: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The hash of link `seq` of chain `chain`, which records content
/// `content_sha256` of item `item_id` after the link hashed `prev`.
pub fn link_hash(chain: i64, seq: i64, item_id: i64, content_sha256: &str, prev: &str) -> String {
    sha256_hex(
        format!("qibao-item-chain-v1|{chain}|{seq}|{item_id}|{content_sha256}|{prev}").as_bytes(),
    )
}

/// One stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub item_id: i64,
    pub content_sha256: String,
    pub prev_sha256: String,
    pub sha256: String,
}

/// What the walk found first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// A link's number is not the next one: links were removed.
    Gap { expected_seq: i64, found_seq: i64 },
    /// A link does not follow the one before it, or its own hash is wrong:
    /// the link table itself was edited.
    LinkAltered { seq: i64, item_id: i64 },
    /// The chain ends before its recorded head: the last links were removed.
    Truncated { head_seq: i64, last_seq: i64 },
    /// The head does not name the chain's last link.
    HeadMismatch { head_seq: i64 },
    /// An item's content is not what its latest link recorded.
    Changed { item_id: i64, seq: i64 },
    /// An item the chain recorded is no longer stored.
    Removed { item_id: i64, seq: i64 },
    /// An item is stored that the chain never recorded (added by hand).
    Unrecorded { item_id: i64 },
}

impl Break {
    /// The item the break names, when it names one.
    pub fn item_id(&self) -> Option<i64> {
        match self {
            Break::LinkAltered { item_id, .. }
            | Break::Changed { item_id, .. }
            | Break::Removed { item_id, .. }
            | Break::Unrecorded { item_id } => Some(*item_id),
            _ => None,
        }
    }

    /// The stable code of the kind of break.
    pub fn code(&self) -> &'static str {
        match self {
            Break::Gap { .. } => "link_missing",
            Break::LinkAltered { .. } => "link_altered",
            Break::Truncated { .. } => "chain_truncated",
            Break::HeadMismatch { .. } => "head_mismatch",
            Break::Changed { .. } => "item_changed",
            Break::Removed { .. } => "item_removed",
            Break::Unrecorded { .. } => "item_unrecorded",
        }
    }

    /// What a staff member reads.
    pub fn message_zh(&self) -> String {
        match self {
            Break::Gap {
                expected_seq,
                found_seq,
            } => format!(
                "办件记录链缺少第{expected_seq}至第{}个环节，记录被人为删除",
                found_seq - 1
            ),
            Break::LinkAltered { seq, item_id } => {
                format!("办件记录链第{seq}个环节（办件{item_id}）被人为修改")
            }
            Break::Truncated { head_seq, last_seq } => {
                format!("办件记录链应有{head_seq}个环节，只剩{last_seq}个，最后的记录被人为删除")
            }
            Break::HeadMismatch { head_seq } => {
                format!("办件记录链的链头（第{head_seq}个环节）与链上记录不符")
            }
            Break::Changed { item_id, seq } => {
                format!("办件{item_id}的内容与第{seq}个环节记录的不一致，被人为修改")
            }
            Break::Removed { item_id, seq } => {
                format!("办件{item_id}（第{seq}个环节记录）已不存在，被人为删除")
            }
            Break::Unrecorded { item_id } => {
                format!("办件{item_id}不在办件记录链上，为人为添加")
            }
        }
    }
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    pub links: usize,
    pub items: usize,
    pub first_break: Option<Break>,
}

/// Walks chain `chain`: its links in order (ascending `seq`), the head
/// (`head_seq`, `head_sha256`) and the content hash of each item stored
/// in the chain now (item id → SHA-256 of its canonical content). Returns
/// the first break in chain order, then the first unrecorded item.
pub fn verify_chain(
    chain: i64,
    links: &[Link],
    head: Option<(i64, &str)>,
    items: &BTreeMap<i64, String>,
) -> ChainCheck {
    let check = |first_break| ChainCheck {
        links: links.len(),
        items: items.len(),
        first_break,
    };
    // The latest link of each item: only it must match the item as stored.
    let mut latest: BTreeMap<i64, i64> = BTreeMap::new();
    for l in links {
        latest.insert(l.item_id, l.seq);
    }
    let mut prev = GENESIS.to_owned();
    let mut expected = 1;
    for l in links {
        if l.seq != expected {
            return check(Some(Break::Gap {
                expected_seq: expected,
                found_seq: l.seq,
            }));
        }
        if l.prev_sha256 != prev
            || l.sha256 != link_hash(chain, l.seq, l.item_id, &l.content_sha256, &l.prev_sha256)
        {
            return check(Some(Break::LinkAltered {
                seq: l.seq,
                item_id: l.item_id,
            }));
        }
        if latest.get(&l.item_id) == Some(&l.seq) {
            match items.get(&l.item_id) {
                None => {
                    return check(Some(Break::Removed {
                        item_id: l.item_id,
                        seq: l.seq,
                    }));
                }
                Some(h) if *h != l.content_sha256 => {
                    return check(Some(Break::Changed {
                        item_id: l.item_id,
                        seq: l.seq,
                    }));
                }
                Some(_) => {}
            }
        }
        prev.clone_from(&l.sha256);
        expected += 1;
    }
    let last_seq = expected - 1;
    match head {
        Some((head_seq, _)) if head_seq > last_seq => {
            return check(Some(Break::Truncated { head_seq, last_seq }));
        }
        Some((head_seq, head_hash))
            if head_seq != last_seq || (last_seq > 0 && head_hash != prev) =>
        {
            return check(Some(Break::HeadMismatch { head_seq }));
        }
        None if last_seq > 0 => return check(Some(Break::HeadMismatch { head_seq: 0 })),
        _ => {}
    }
    let recorded: BTreeSet<i64> = latest.keys().copied().collect();
    let unrecorded = items.keys().find(|id| !recorded.contains(id));
    check(unrecorded.map(|&item_id| Break::Unrecorded { item_id }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A valid chain over `versions` (item id, content) in order.
    fn build(chain: i64, versions: &[(i64, &str)]) -> (Vec<Link>, BTreeMap<i64, String>) {
        let mut prev = GENESIS.to_owned();
        let mut links = Vec::new();
        let mut items = BTreeMap::new();
        for (i, (item, content)) in versions.iter().enumerate() {
            let seq = i64::try_from(i).unwrap() + 1;
            let content_sha256 = sha256_hex(content.as_bytes());
            let sha256 = link_hash(chain, seq, *item, &content_sha256, &prev);
            links.push(Link {
                seq,
                item_id: *item,
                content_sha256: content_sha256.clone(),
                prev_sha256: prev.clone(),
                sha256: sha256.clone(),
            });
            items.insert(*item, content_sha256);
            prev = sha256;
        }
        (links, items)
    }

    fn head(links: &[Link]) -> Option<(i64, &str)> {
        links.last().map(|l| (l.seq, l.sha256.as_str()))
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_untouched_chain_verifies_and_a_changed_status_is_a_new_link() {
        let (links, items) = build(7, &[(1, "a"), (2, "b"), (1, "a revoked")]);
        let c = verify_chain(7, &links, head(&links), &items);
        assert_eq!(c.first_break, None);
        assert_eq!((c.links, c.items), (3, 2));
        // The same links under another chain's number do not verify.
        assert!(
            verify_chain(8, &links, head(&links), &items)
                .first_break
                .is_some()
        );
    }

    #[test]
    fn each_kind_of_hand_edit_is_named() {
        let (links, items) = build(1, &[(10, "a"), (11, "b"), (12, "c")]);
        let h = head(&links);
        let mut changed = items.clone();
        changed.insert(11, sha256_hex(b"b edited"));
        assert_eq!(
            verify_chain(1, &links, h, &changed).first_break,
            Some(Break::Changed {
                item_id: 11,
                seq: 2
            })
        );
        let mut removed = items.clone();
        removed.remove(&10);
        assert_eq!(
            verify_chain(1, &links, h, &removed).first_break,
            Some(Break::Removed {
                item_id: 10,
                seq: 1
            })
        );
        let mut added = items.clone();
        added.insert(13, sha256_hex(b"d"));
        assert_eq!(
            verify_chain(1, &links, h, &added).first_break,
            Some(Break::Unrecorded { item_id: 13 })
        );
        let mut gap = links.clone();
        gap.remove(1);
        assert_eq!(
            verify_chain(1, &gap, h, &items).first_break,
            Some(Break::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        );
        let mut altered = links.clone();
        altered[1].content_sha256 = sha256_hex(b"b edited");
        assert_eq!(
            verify_chain(1, &altered, h, &items).first_break,
            Some(Break::LinkAltered {
                seq: 2,
                item_id: 11
            })
        );
        let cut = &links[..2];
        assert_eq!(
            verify_chain(1, cut, h, &items).first_break,
            Some(Break::Truncated {
                head_seq: 3,
                last_seq: 2
            })
        );
        assert_eq!(
            verify_chain(1, &links, Some((3, GENESIS)), &items).first_break,
            Some(Break::HeadMismatch { head_seq: 3 })
        );
        for b in [
            Break::Changed {
                item_id: 11,
                seq: 2,
            },
            Break::Unrecorded { item_id: 13 },
        ] {
            assert!(b.message_zh().contains("办件"));
            assert!(b.item_id().is_some());
        }
    }

    #[test]
    fn an_empty_chain_verifies() {
        let c = verify_chain(3, &[], None, &BTreeMap::new());
        assert_eq!(c.first_break, None);
    }

    proptest! {
        #[test]
        fn any_single_content_edit_is_found(
            n in 1usize..20, victim in 0usize..20, edit in "[a-z]{1,5}"
        ) {
            let contents: Vec<String> = (0..n).map(|i| format!("item {i}")).collect();
            let versions: Vec<(i64, &str)> = contents
                .iter()
                .enumerate()
                .map(|(i, c)| (i64::try_from(i).unwrap() + 100, c.as_str()))
                .collect();
            let (links, mut items) = build(5, &versions);
            prop_assert_eq!(verify_chain(5, &links, head(&links), &items).first_break, None);
            let id = i64::try_from(victim % n).unwrap() + 100;
            items.insert(id, sha256_hex(format!("item {} {edit}", victim % n).as_bytes()));
            let found = verify_chain(5, &links, head(&links), &items).first_break;
            prop_assert_eq!(found.and_then(|b| b.item_id()), Some(id));
        }
    }
}
