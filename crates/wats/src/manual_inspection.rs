//! Manual inspection (WATS's internal `/api/internal/ManualInspection/*` calls):
//! test-sequence definitions (global or not, copies, status), their relations and the
//! conflicts between them, the sequence list, and a definition's XAML (its workflow content).
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::manual_inspection::{DefinitionStatus, TestSequenceDefinition};
//! let mi = wats.manual_inspection();
//! let d = mi
//!     .create_definition(&TestSequenceDefinition {
//!         name: Some("Visual check".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! let id = d.test_sequence_definition_id.unwrap();
//! mi.put_xaml(id, "<Activity/>").await?;
//! mi.set_status(id, DefinitionStatus::PENDING).await?;
//! mi.set_status(id, DefinitionStatus::RELEASED).await?;
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/manual_inspection.md` for a guide.

/// The guide `docs/sdk/manual_inspection.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/manual_inspection.md")]
pub struct ManualInspectionGuide;

use reqwest::Method;
use uuid::Uuid;

pub use wats_types::manual_inspection::*;

use crate::client::{Request, Wats};
use crate::error::{optional, Error, Result};

const BASE: &str = "/api/internal/ManualInspection";

/// Manual-inspection calls. Get one with [`Wats::manual_inspection`].
#[derive(Clone, Copy, Debug)]
pub struct ManualInspectionHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Manual inspection: definitions, relations, sequences, XAML.
    pub fn manual_inspection(&self) -> ManualInspectionHandler<'_> {
        ManualInspectionHandler { wats: self }
    }
}

fn json(method: Method, path: &str, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, format!("{BASE}/{path}")).body(bytes, "application/json"))
}

fn get(path: String) -> Request {
    Request::get(format!("{BASE}/{path}")).no_cache()
}

impl ManualInspectionHandler<'_> {
    /// Definitions, global or not (`None`: all), without relations and XAML.
    pub async fn definitions(&self, global: Option<bool>) -> Result<Vec<TestSequenceDefinition>> {
        let req = get("GetTestSequenceDefinitions".into()).query_opt("isGlobalDefinitions", global);
        self.wats.send_json(req).await
    }

    /// A definition with its relations and XAML; `None` when there is none.
    pub async fn definition(&self, id: Uuid) -> Result<Option<TestSequenceDefinition>> {
        let req = get("GetTestSequenceDefinition".into()).query("definitionId", id);
        optional(self.wats.send_json(req).await)
    }

    /// Copies a definition (a new draft, the next version of its name, without relations);
    /// answers the copy.
    pub async fn copy_definition(&self, id: Uuid) -> Result<TestSequenceDefinition> {
        self.wats
            .send_json(get(format!("GetDefinitionCopy/{id}")))
            .await
    }

    /// Inspections run of a definition.
    pub async fn instances_count(&self, id: Uuid) -> Result<i32> {
        self.wats
            .send_json(get(format!("GetInstancesCount/{id}")))
            .await
    }

    /// Creates a definition (`name` required).
    pub async fn create_definition(
        &self,
        definition: &TestSequenceDefinition,
    ) -> Result<TestSequenceDefinition> {
        let req = json(Method::POST, "PostDefinition", definition)?;
        self.wats.send_json(req).await
    }

    /// Changes a definition (`test_sequence_definition_id` required): the fields set replace
    /// the stored ones. Only a draft is edited.
    pub async fn update_definition(
        &self,
        definition: &TestSequenceDefinition,
    ) -> Result<TestSequenceDefinition> {
        let req = json(Method::PUT, "PutDefinitionNew", definition)?;
        self.wats.send_json(req).await
    }

    /// Moves a definition to a status: draft ↔ pending → released → revoked (releasing
    /// revokes the released definition of the same name).
    pub async fn set_status(
        &self,
        id: Uuid,
        status: DefinitionStatus,
    ) -> Result<TestSequenceDefinition> {
        self.update_definition(&TestSequenceDefinition {
            test_sequence_definition_id: Some(id),
            status: Some(status),
            ..Default::default()
        })
        .await
    }

    /// A definition's relations.
    pub async fn relations(&self, id: Uuid) -> Result<Vec<TestSequenceRelation>> {
        self.wats.send_json(get(format!("GetRelations/{id}"))).await
    }

    /// Other definitions related to the same entities (`GetRelationConflictsNew`).
    pub async fn relation_conflicts(&self, id: Uuid) -> Result<Vec<RelationConflict>> {
        self.wats
            .send_json(get(format!("GetRelationConflictsNew/{id}")))
            .await
    }

    /// The same through the legacy `GetRelationConflicts`.
    pub async fn relation_conflicts_legacy(&self, id: Uuid) -> Result<Vec<RelationConflict>> {
        self.wats
            .send_json(get(format!("GetRelationConflicts/{id}")))
            .await
    }

    /// Relates a definition to an entity.
    pub async fn create_relation(
        &self,
        relation: &TestSequenceRelation,
    ) -> Result<TestSequenceRelation> {
        let req = json(Method::POST, "PostRelation", relation)?;
        self.wats.send_json(req).await
    }

    /// Changes a relation (`test_sequence_relation_id` required).
    pub async fn update_relation(
        &self,
        relation: &TestSequenceRelation,
    ) -> Result<TestSequenceRelation> {
        let req = json(Method::PUT, "PutRelation", relation)?;
        self.wats.send_json(req).await
    }

    /// Deletes a relation (sent as WATS takes it: a PUT); answers it.
    pub async fn delete_relation(
        &self,
        relation: &TestSequenceRelation,
    ) -> Result<TestSequenceRelation> {
        let req = json(Method::PUT, "DeleteRelationNew", relation)?;
        self.wats.send_json(req).await
    }

    /// Every definition as a sequence.
    pub async fn sequences(&self) -> Result<Vec<MiSequence>> {
        self.wats.send_json(get("GetSequences".into())).await
    }

    /// Changes a sequence's name, version or status.
    pub async fn update_sequence(&self, sequence: &MiSequence) -> Result<MiSequence> {
        let req = json(Method::PUT, "PutSequence", sequence)?;
        self.wats.send_json(req).await
    }

    /// Deletes a sequence: the definition with its relations and XAML.
    pub async fn delete_sequence(&self, id: Uuid) -> Result<()> {
        let req = Request::new(Method::DELETE, format!("{BASE}/DeleteSequence/{id}"));
        self.wats.send(req).await.map(drop)
    }

    /// A definition's XAML; `None` when it has none (or there is no such definition).
    pub async fn xaml(&self, id: Uuid) -> Result<Option<String>> {
        let req = get("GetTestSequenceDefinitionXaml".into()).query("definitionId", id);
        optional(self.wats.send_json(req).await)
    }

    /// Stores a definition's XAML, as given; answers the definition.
    pub async fn put_xaml(&self, id: Uuid, xaml: &str) -> Result<TestSequenceDefinition> {
        let body = TestSequenceDefinition {
            test_sequence_definition_id: Some(id),
            xaml: Some(xaml.to_owned()),
            ..Default::default()
        };
        let req = json(Method::PUT, "PutTestSequenceDefinitionXaml", &body)?;
        self.wats.send_json(req).await
    }

    /// A definition's workflow content (its XAML); `None` when it has none.
    pub async fn wwf_content(&self, id: Uuid) -> Result<Option<String>> {
        optional(
            self.wats
                .send_json(get(format!("GetWatswwfContent/{id}")))
                .await,
        )
    }
}
